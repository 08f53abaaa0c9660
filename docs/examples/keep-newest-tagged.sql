-- Keep the newest 2 tagged images of octo/app (cosign signature tags do not count); delete the
-- older tagged ones. Their platform manifests become unreachable and go with the next safe prune.
DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'container' AND package_name = 'octo/app'
  AND +id IN (
    SELECT id FROM (
      SELECT id, ROW_NUMBER() OVER (ORDER BY created_at DESC) AS rn
      FROM github.packages.auth_user_versions
      WHERE package_type = 'container' AND package_name = 'octo/app'
        AND EXISTS (SELECT 1 FROM json_each(metadata, '$.container.tags') AS t
                    WHERE t.value NOT GLOB 'sha256-*')
    )
    WHERE rn > 2
  );
