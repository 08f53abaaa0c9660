DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world'
  AND id IN (
    SELECT id FROM (
      SELECT id,
             ROW_NUMBER() OVER (PARTITION BY package_type, package_name
                                ORDER BY created_at DESC) AS rn
      FROM github.packages.auth_user_versions
      WHERE package_type = 'npm' AND package_name = 'hello-world'
    )
    WHERE rn > 125
  );

SELECT count(*) AS kept, min(created_at) AS oldest_kept
FROM github.packages.auth_user_versions
WHERE package_type = 'npm' AND package_name = 'hello-world';
