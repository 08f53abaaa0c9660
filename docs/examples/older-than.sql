-- Delete the versions of hello-world created before 2023-06-01, keeping the newest 3 whatever
-- their age.
DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world'
  AND created_at < '2023-06-01'
  AND +id NOT IN (
    SELECT id FROM github.packages.auth_user_versions
    WHERE package_type = 'npm' AND package_name = 'hello-world'
    ORDER BY created_at DESC LIMIT 3
  );
