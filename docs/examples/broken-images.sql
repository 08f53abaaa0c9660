-- Ghost and partial images: indexes whose entries are not (all) versions of the package.
SELECT v.id, json_extract(v.metadata, '$.container.tags') AS tags,
       count(*) AS entries,
       sum(c.digest IS NULL) AS missing,
       CASE WHEN sum(c.digest IS NULL) = count(*) THEN 'ghost' ELSE 'partial' END AS state
FROM github.packages.org_versions AS v
JOIN github.registry.index_entries AS e
  ON e.owner = 'octo-org' AND e.image = v.package_name AND e.reference = v.name
LEFT JOIN (SELECT name AS digest FROM github.packages.org_versions
           WHERE org = 'octo-org' AND package_type = 'container' AND package_name = 'platform/api') AS c
  ON c.digest = e.digest
WHERE v.org = 'octo-org' AND v.package_type = 'container' AND v.package_name = 'platform/api'
GROUP BY v.id
HAVING sum(c.digest IS NULL) > 0;
