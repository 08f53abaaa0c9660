-- Delete the versions of octo/app that carry a tag matching v1.0.* or v1.1.* (by tag, not by
-- digest: json_each gives one row per tag).
DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'container' AND package_name = 'octo/app'
  AND EXISTS (SELECT 1 FROM json_each(metadata, '$.container.tags') AS t
              WHERE t.value GLOB 'v1.0.*' OR t.value GLOB 'v1.1.*');
