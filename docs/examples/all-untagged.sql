-- UNSAFE for multi-arch images: it deletes their platform manifests, attestations and
-- signatures (the Packages API rule). Use safe-prune.sql per package instead.
DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'container'
  AND package_name IN (SELECT name FROM github.packages.auth_user_packages
                       WHERE package_type = 'container')
  AND json_array_length(json_extract(metadata, '$.container.tags')) = 0;

DELETE FROM github.packages.org_versions
WHERE org = 'octo-org' AND package_type = 'container'
  AND package_name IN (SELECT name FROM github.packages.org_packages
                       WHERE org = 'octo-org' AND package_type = 'container')
  AND json_array_length(json_extract(metadata, '$.container.tags')) = 0;
