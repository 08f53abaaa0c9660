DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world'
  AND created_at < '2023-04-01';

CREATE TEMP TABLE gone AS
SELECT package_name, package_type, id, deleted_at
FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world' AND state = 'deleted'
  AND deleted_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour');

SELECT id, deleted_at,
       restore_package_version_for_authenticated_user(package_name, package_type, id) AS restored
FROM gone;

SELECT count(*) AS active
FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world';
