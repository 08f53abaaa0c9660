DELETE FROM github.packages.auth_user_versions
WHERE package_type IN ('container', 'maven')
  AND package_name IN ('octo/web', 'com.example.app-lib')
  AND +id IN (
    SELECT id FROM (
      SELECT id,
             ROW_NUMBER() OVER (PARTITION BY package_type, package_name
                                ORDER BY created_at DESC) AS rn
      FROM github.packages.auth_user_versions
      WHERE package_type IN ('container', 'maven')
        AND package_name IN ('octo/web', 'com.example.app-lib')
    )
    WHERE rn > 3
  );

SELECT package_type, package_name, count(*) AS kept, min(created_at) AS oldest_kept
FROM github.packages.auth_user_versions
WHERE package_type IN ('container', 'maven')
  AND package_name IN ('octo/web', 'com.example.app-lib')
GROUP BY package_type, package_name;
