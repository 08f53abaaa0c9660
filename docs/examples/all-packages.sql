-- Across every npm package of the user: keep the newest 100 versions of each.
DELETE FROM github.packages.auth_user_versions
WHERE package_type = 'npm'
  AND package_name IN (SELECT name FROM github.packages.auth_user_packages WHERE package_type = 'npm')
  AND +id IN (
    SELECT id FROM (
      SELECT v.id, ROW_NUMBER() OVER (PARTITION BY v.package_name ORDER BY v.created_at DESC) AS rn
      FROM github.packages.auth_user_packages AS p
      JOIN github.packages.auth_user_versions AS v
        ON v.package_type = p.package_type AND v.package_name = p.name
      WHERE p.package_type = 'npm'
    )
    WHERE rn > 100
  );
