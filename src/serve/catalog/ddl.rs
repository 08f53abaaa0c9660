//! The emulated catalog's tables: the columns Postgres clients read, typed so that row
//! descriptions come out right (OID → oid, NAME → name, BOOLEAN → bool; Postgres's `"char"` and
//! arrays are TEXT).

/// Tables of the emulated catalog: (schema, name, columns). Types: OID, NAME, BOOLEAN, INTEGER,
/// TEXT; Postgres's `"char"` and arrays are TEXT.
pub const TABLES: &[(&str, &str, &str)] = &[
    (
        "pg_catalog",
        "pg_namespace",
        "oid OID, nspname NAME, nspowner OID, nspacl TEXT",
    ),
    (
        "pg_catalog",
        "pg_class",
        "oid OID, relname NAME, relnamespace OID, reltype OID, reloftype OID, relowner OID, \
         relam OID, relfilenode OID, reltablespace OID, relpages INTEGER, reltuples REAL, \
         relallvisible INTEGER, reltoastrelid OID, relhasindex BOOLEAN, relisshared BOOLEAN, \
         relpersistence TEXT, relkind TEXT, relnatts INTEGER, relchecks INTEGER, \
         relhasrules BOOLEAN, relhastriggers BOOLEAN, relhassubclass BOOLEAN, \
         relrowsecurity BOOLEAN, relforcerowsecurity BOOLEAN, relispopulated BOOLEAN, \
         relreplident TEXT, relispartition BOOLEAN, relrewrite OID, relfrozenxid INTEGER, \
         relminmxid INTEGER, relacl TEXT, reloptions TEXT, relpartbound TEXT",
    ),
    (
        "pg_catalog",
        "pg_attribute",
        "attrelid OID, attname NAME, atttypid OID, attstattarget INTEGER, attlen INTEGER, \
         attnum INTEGER, attndims INTEGER, attcacheoff INTEGER, atttypmod INTEGER, \
         attbyval BOOLEAN, attalign TEXT, attstorage TEXT, attcompression TEXT, \
         attnotnull BOOLEAN, atthasdef BOOLEAN, atthasmissing BOOLEAN, attidentity TEXT, \
         attgenerated TEXT, attisdropped BOOLEAN, attislocal BOOLEAN, attinhcount INTEGER, \
         attcollation OID, attacl TEXT, attoptions TEXT, attfdwoptions TEXT, attmissingval TEXT",
    ),
    (
        "pg_catalog",
        "pg_type",
        "oid OID, typname NAME, typnamespace OID, typowner OID, typlen INTEGER, typbyval BOOLEAN, \
         typtype TEXT, typcategory TEXT, typispreferred BOOLEAN, typisdefined BOOLEAN, \
         typdelim TEXT, typrelid OID, typsubscript TEXT, typelem OID, typarray OID, \
         typinput TEXT, typoutput TEXT, typreceive TEXT, typsend TEXT, typmodin TEXT, \
         typmodout TEXT, typanalyze TEXT, typalign TEXT, typstorage TEXT, typnotnull BOOLEAN, \
         typbasetype OID, typtypmod INTEGER, typndims INTEGER, typcollation OID, \
         typdefaultbin TEXT, typdefault TEXT, typacl TEXT",
    ),
    (
        "pg_catalog",
        "pg_am",
        "oid OID, amname NAME, amhandler TEXT, amtype TEXT",
    ),
    (
        "pg_catalog",
        "pg_attrdef",
        "oid OID, adrelid OID, adnum INTEGER, adbin TEXT",
    ),
    (
        "pg_catalog",
        "pg_description",
        "objoid OID, classoid OID, objsubid INTEGER, description TEXT",
    ),
    (
        "pg_catalog",
        "pg_index",
        "indexrelid OID, indrelid OID, indnatts INTEGER, indnkeyatts INTEGER, \
         indisunique BOOLEAN, indnullsnotdistinct BOOLEAN, indisprimary BOOLEAN, \
         indisexclusion BOOLEAN, indimmediate BOOLEAN, indisclustered BOOLEAN, \
         indisvalid BOOLEAN, indcheckxmin BOOLEAN, indisready BOOLEAN, indislive BOOLEAN, \
         indisreplident BOOLEAN, indkey TEXT, indcollation TEXT, indclass TEXT, \
         indoption TEXT, indexprs TEXT, indpred TEXT",
    ),
    (
        "pg_catalog",
        "pg_constraint",
        "oid OID, conname NAME, connamespace OID, contype TEXT, condeferrable BOOLEAN, \
         condeferred BOOLEAN, convalidated BOOLEAN, conrelid OID, contypid OID, conindid OID, \
         conparentid OID, confrelid OID, confupdtype TEXT, confdeltype TEXT, \
         confmatchtype TEXT, conislocal BOOLEAN, coninhcount INTEGER, connoinherit BOOLEAN, \
         conkey TEXT, confkey TEXT, conpfeqop TEXT, conppeqop TEXT, conffeqop TEXT, \
         confdelsetcols TEXT, conexclop TEXT, conbin TEXT",
    ),
    (
        "pg_catalog",
        "pg_inherits",
        "inhrelid OID, inhparent OID, inhseqno INTEGER, inhdetachpending BOOLEAN",
    ),
    (
        "pg_catalog",
        "pg_trigger",
        "oid OID, tgrelid OID, tgparentid OID, tgname NAME, tgfoid OID, tgtype INTEGER, \
         tgenabled TEXT, tgisinternal BOOLEAN, tgconstrrelid OID, tgconstrindid OID, \
         tgconstraint OID, tgdeferrable BOOLEAN, tginitdeferred BOOLEAN, tgnargs INTEGER, \
         tgattr TEXT, tgargs TEXT, tgqual TEXT, tgoldtable NAME, tgnewtable NAME",
    ),
    (
        "pg_catalog",
        "pg_policy",
        "oid OID, polname NAME, polrelid OID, polcmd TEXT, polpermissive BOOLEAN, \
         polroles TEXT, polqual TEXT, polwithcheck TEXT",
    ),
    (
        "pg_catalog",
        "pg_statistic_ext",
        "oid OID, stxrelid OID, stxname NAME, stxnamespace OID, stxowner OID, \
         stxstattarget INTEGER, stxkeys TEXT, stxkind TEXT, stxexprs TEXT",
    ),
    (
        "pg_catalog",
        "pg_publication",
        "oid OID, pubname NAME, pubowner OID, puballtables BOOLEAN, pubinsert BOOLEAN, \
         pubupdate BOOLEAN, pubdelete BOOLEAN, pubtruncate BOOLEAN, pubviaroot BOOLEAN",
    ),
    (
        "pg_catalog",
        "pg_publication_rel",
        "oid OID, prpubid OID, prrelid OID, prqual TEXT, prattrs TEXT",
    ),
    (
        "pg_catalog",
        "pg_publication_namespace",
        "oid OID, pnpubid OID, pnnspid OID",
    ),
    (
        "pg_catalog",
        "pg_collation",
        "oid OID, collname NAME, collnamespace OID, collowner OID, collprovider TEXT, \
         collisdeterministic BOOLEAN, collencoding INTEGER, collcollate TEXT, collctype TEXT, \
         colliculocale TEXT, collicurules TEXT, collversion TEXT",
    ),
    (
        "pg_catalog",
        "pg_roles",
        "oid OID, rolname NAME, rolsuper BOOLEAN, rolinherit BOOLEAN, rolcreaterole BOOLEAN, \
         rolcreatedb BOOLEAN, rolcanlogin BOOLEAN, rolreplication BOOLEAN, \
         rolconnlimit INTEGER, rolpassword TEXT, rolvaliduntil TEXT, rolbypassrls BOOLEAN, \
         rolconfig TEXT",
    ),
    (
        "pg_catalog",
        "pg_user",
        "usename NAME, usesysid OID, usecreatedb BOOLEAN, usesuper BOOLEAN, userepl BOOLEAN, \
         usebypassrls BOOLEAN, passwd TEXT, valuntil TEXT, useconfig TEXT",
    ),
    (
        "pg_catalog",
        "pg_database",
        "oid OID, datname NAME, datdba OID, encoding INTEGER, datlocprovider TEXT, \
         datistemplate BOOLEAN, datallowconn BOOLEAN, datconnlimit INTEGER, \
         datfrozenxid INTEGER, datminmxid INTEGER, dattablespace OID, datcollate TEXT, \
         datctype TEXT, daticulocale TEXT, daticurules TEXT, datcollversion TEXT, datacl TEXT",
    ),
    (
        "pg_catalog",
        "pg_tables",
        "schemaname NAME, tablename NAME, tableowner NAME, tablespace NAME, \
         hasindexes BOOLEAN, hasrules BOOLEAN, hastriggers BOOLEAN, rowsecurity BOOLEAN",
    ),
    (
        "pg_catalog",
        "pg_views",
        "schemaname NAME, viewname NAME, viewowner NAME, definition TEXT",
    ),
    (
        "pg_catalog",
        "pg_matviews",
        "schemaname NAME, matviewname NAME, matviewowner NAME, tablespace NAME, \
         hasindexes BOOLEAN, ispopulated BOOLEAN, definition TEXT",
    ),
    (
        "pg_catalog",
        "pg_proc",
        "oid OID, proname NAME, pronamespace OID, proowner OID, prolang OID, prokind TEXT, \
         prorettype OID, proargtypes TEXT, proargnames TEXT, prosrc TEXT",
    ),
    (
        "pg_catalog",
        "pg_enum",
        "oid OID, enumtypid OID, enumsortorder REAL, enumlabel NAME",
    ),
    (
        "pg_catalog",
        "pg_extension",
        "oid OID, extname NAME, extowner OID, extnamespace OID, extrelocatable BOOLEAN, \
         extversion TEXT, extconfig TEXT, extcondition TEXT",
    ),
    (
        "pg_catalog",
        "pg_foreign_table",
        "ftrelid OID, ftserver OID, ftoptions TEXT",
    ),
    (
        "pg_catalog",
        "pg_partitioned_table",
        "partrelid OID, partstrat TEXT, partnatts INTEGER, partdefid OID, partattrs TEXT",
    ),
    (
        "pg_catalog",
        "pg_sequence",
        "seqrelid OID, seqtypid OID, seqstart INTEGER, seqincrement INTEGER, seqmax INTEGER, \
         seqmin INTEGER, seqcache INTEGER, seqcycle BOOLEAN",
    ),
    (
        "pg_catalog",
        "pg_tablespace",
        "oid OID, spcname NAME, spcowner OID",
    ),
    (
        "pg_catalog",
        "pg_settings",
        "name TEXT, setting TEXT, unit TEXT, category TEXT, short_desc TEXT",
    ),
    (
        "pg_catalog",
        "pg_depend",
        "classid OID, objid OID, objsubid INTEGER, refclassid OID, refobjid OID, \
         refobjsubid INTEGER, deptype TEXT",
    ),
    (
        "pg_catalog",
        "pg_rewrite",
        "oid OID, rulename NAME, ev_class OID, ev_type TEXT, ev_enabled TEXT, is_instead BOOLEAN",
    ),
    (
        "information_schema",
        "schemata",
        "catalog_name NAME, schema_name NAME, schema_owner NAME, \
         default_character_set_catalog NAME, default_character_set_schema NAME, \
         default_character_set_name NAME, sql_path TEXT",
    ),
    (
        "information_schema",
        "tables",
        "table_catalog NAME, table_schema NAME, table_name NAME, table_type TEXT, \
         self_referencing_column_name NAME, reference_generation TEXT, \
         user_defined_type_catalog NAME, user_defined_type_schema NAME, \
         user_defined_type_name NAME, is_insertable_into TEXT, is_typed TEXT, commit_action TEXT",
    ),
    (
        "information_schema",
        "columns",
        "table_catalog NAME, table_schema NAME, table_name NAME, column_name NAME, \
         ordinal_position INTEGER, column_default TEXT, is_nullable TEXT, data_type TEXT, \
         character_maximum_length INTEGER, character_octet_length INTEGER, \
         numeric_precision INTEGER, numeric_precision_radix INTEGER, numeric_scale INTEGER, \
         datetime_precision INTEGER, interval_type TEXT, interval_precision INTEGER, \
         character_set_catalog NAME, character_set_schema NAME, character_set_name NAME, \
         collation_catalog NAME, collation_schema NAME, collation_name NAME, \
         domain_catalog NAME, domain_schema NAME, domain_name NAME, udt_catalog NAME, \
         udt_schema NAME, udt_name NAME, scope_catalog NAME, scope_schema NAME, \
         scope_name NAME, maximum_cardinality INTEGER, dtd_identifier NAME, \
         is_self_referencing TEXT, is_identity TEXT, identity_generation TEXT, \
         identity_start TEXT, identity_increment TEXT, identity_maximum TEXT, \
         identity_minimum TEXT, identity_cycle TEXT, is_generated TEXT, \
         generation_expression TEXT, is_updatable TEXT",
    ),
    (
        "information_schema",
        "views",
        "table_catalog NAME, table_schema NAME, table_name NAME, view_definition TEXT, \
         check_option TEXT, is_updatable TEXT, is_insertable_into TEXT",
    ),
    (
        "information_schema",
        "table_constraints",
        "constraint_catalog NAME, constraint_schema NAME, constraint_name NAME, \
         table_catalog NAME, table_schema NAME, table_name NAME, constraint_type TEXT, \
         is_deferrable TEXT, initially_deferred TEXT, enforced TEXT, nulls_distinct TEXT",
    ),
    (
        "information_schema",
        "key_column_usage",
        "constraint_catalog NAME, constraint_schema NAME, constraint_name NAME, \
         table_catalog NAME, table_schema NAME, table_name NAME, column_name NAME, \
         ordinal_position INTEGER, position_in_unique_constraint INTEGER",
    ),
    (
        "information_schema",
        "referential_constraints",
        "constraint_catalog NAME, constraint_schema NAME, constraint_name NAME, \
         unique_constraint_catalog NAME, unique_constraint_schema NAME, \
         unique_constraint_name NAME, match_option TEXT, update_rule TEXT, delete_rule TEXT",
    ),
    (
        "information_schema",
        "routines",
        "specific_catalog NAME, specific_schema NAME, specific_name NAME, routine_catalog NAME, \
         routine_schema NAME, routine_name NAME, routine_type TEXT, data_type TEXT",
    ),
];
