-- Organization-wide: untagged container versions older than 2025-05-01 in every container
-- package of octo-org, except what a tagged image of the same package needs (its index entries).
DELETE FROM github.packages.org_versions
WHERE org = 'octo-org' AND package_type = 'container'
  AND package_name IN (SELECT name FROM github.packages.org_packages
                       WHERE org = 'octo-org' AND package_type = 'container')
  AND json_array_length(json_extract(metadata, '$.container.tags')) = 0
  AND created_at < '2025-05-01'
  AND name NOT IN (
    SELECT e.digest
    FROM github.packages.org_packages AS p
    JOIN github.packages.org_versions AS v
      ON v.org = p.org AND v.package_type = p.package_type AND v.package_name = p.name
    JOIN github.registry.index_entries AS e
      ON e.owner = p.org AND e.image = p.name AND e.reference = v.name
    WHERE p.org = 'octo-org' AND p.package_type = 'container'
      AND json_array_length(json_extract(v.metadata, '$.container.tags')) > 0
  );
