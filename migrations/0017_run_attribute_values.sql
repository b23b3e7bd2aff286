-- 0017: typed search attribute queries (list({ where, orderBy })).
--
-- Equality and set membership (eq, in, contains, containsAny) are jsonb containment on
-- runs.attributes_search, served by runs_attributes_idx (GIN, jsonb_path_ops) from 0001.
-- Ranges and prefixes cannot use that index, and expression indexes would have to name each
-- attribute: instead every scalar attribute of a run is also kept as one typed row here (numbers
-- in num, strings in str, ISO instants in at), with one btree per type keyed by the name first.
-- A query turns into `run_id IN (SELECT run_id FROM run_attribute_values WHERE name = $1 AND
-- num >= $2)`. The rows are written by a trigger in the same statement that writes the run row
-- (start, and any later update of attributes), so they commit with it; they go with the run
-- (ON DELETE CASCADE). Lists (keyword[]), booleans and nulls have no row: containment serves them.
CREATE TABLE continuum.run_attribute_values (
  run_id text NOT NULL REFERENCES continuum.runs (run_id) ON DELETE CASCADE,
  name text NOT NULL,
  num double precision,
  str text COLLATE "C",
  at timestamptz,
  PRIMARY KEY (run_id, name)
);
CREATE INDEX run_attribute_values_num_idx ON continuum.run_attribute_values (name, num) WHERE num IS NOT NULL;
-- A prefix of at most 200 characters keeps every key under btree's size limit whatever the text's
-- length; a longer prefix is rechecked on str.
CREATE INDEX run_attribute_values_str_idx ON continuum.run_attribute_values (name, left(str, 200)) WHERE str IS NOT NULL;
CREATE INDEX run_attribute_values_at_idx ON continuum.run_attribute_values (name, at) WHERE at IS NOT NULL;

-- An ISO 8601 instant with its offset as timestamptz, or null (a string that only looks like one).
CREATE FUNCTION continuum.attribute_instant(value text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF value !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$' THEN
    RETURN NULL;
  END IF;
  RETURN value::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END;
$$;

CREATE FUNCTION continuum.sync_run_attribute_values() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.attributes_search = OLD.attributes_search THEN
      RETURN NULL;
    END IF;
    DELETE FROM continuum.run_attribute_values WHERE run_id = NEW.run_id;
  END IF;
  IF NEW.attributes_search = '{}'::jsonb THEN
    RETURN NULL;
  END IF;
  INSERT INTO continuum.run_attribute_values (run_id, name, num, str, at)
  SELECT NEW.run_id, e.key,
         CASE WHEN jsonb_typeof(e.value) = 'number' THEN (e.value #>> '{}')::double precision END,
         CASE WHEN jsonb_typeof(e.value) = 'string' THEN e.value #>> '{}' END,
         CASE WHEN jsonb_typeof(e.value) = 'string' THEN continuum.attribute_instant(e.value #>> '{}') END
  FROM jsonb_each(NEW.attributes_search) AS e
  WHERE jsonb_typeof(e.value) IN ('number', 'string');
  RETURN NULL;
END;
$$;

CREATE TRIGGER runs_attribute_values
  AFTER INSERT OR UPDATE OF attributes ON continuum.runs
  FOR EACH ROW EXECUTE FUNCTION continuum.sync_run_attribute_values();

INSERT INTO continuum.run_attribute_values (run_id, name, num, str, at)
SELECT r.run_id, e.key,
       CASE WHEN jsonb_typeof(e.value) = 'number' THEN (e.value #>> '{}')::double precision END,
       CASE WHEN jsonb_typeof(e.value) = 'string' THEN e.value #>> '{}' END,
       CASE WHEN jsonb_typeof(e.value) = 'string' THEN continuum.attribute_instant(e.value #>> '{}') END
FROM continuum.runs AS r, jsonb_each(r.attributes_search) AS e
WHERE jsonb_typeof(e.value) IN ('number', 'string');
