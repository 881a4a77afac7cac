#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs: the repository's fixtures (Python, SQL) and
# small hand-made hostile cases (deep nesting, odd line endings, NUL bytes, long literals,
# unterminated constructs, unicode, BOM), plus seam.toml and pg_stat_statements CSV samples
# (the repository keeps none as files). The corpus is generated, not committed (.gitignore);
# libFuzzer adds what it finds to the same directories. Safe to run again: files are
# rewritten, files libFuzzer added are kept. Committed regression inputs
# (fuzz/regressions/<target>/) are seeded too.
set -euo pipefail
cd "$(dirname "$0")"
root=..
corpus=corpus

for t in python sql sql_split sql_neutralize config workload; do
  mkdir -p "$corpus/$t"
done

# `repeat N TEXT`: TEXT N times, no separator.
repeat() {
  local n=$1 text=$2 out=""
  local i
  for ((i = 0; i < n; i++)); do out+=$text; done
  printf '%s' "$out"
}
# `bytes N CHAR`: N copies of one ASCII character, fast.
bytes() { head -c "$1" /dev/zero | tr '\0' "$2"; }
# `seed TARGET NAME`: stdin to corpus/TARGET/NAME.
seed() { cat >"$corpus/$1/$2"; }

# Fixtures, named by path so that two `models.py` stay two seeds.
copy_fixtures() {
  local target=$1 pattern=$2 f name
  while IFS= read -r -d '' f; do
    name=${f#"$root"/}
    name=${name//\//_}
    cp "$f" "$corpus/$target/fixture_$name"
  done < <(find "$root/fixtures" "$root/tests" -type f -name "$pattern" -print0 2>/dev/null)
}
copy_fixtures python '*.py'
for t in sql sql_split sql_neutralize; do
  copy_fixtures "$t" '*.sql'
done
copy_fixtures config 'seam.toml'
copy_fixtures workload '*.csv'

# Committed regressions (inputs that once crashed) are seeds of their target too.
if [ -d regressions ]; then
  for dir in regressions/*/; do
    t=$(basename "$dir")
    [ -d "$corpus/$t" ] || continue
    find "$dir" -type f -exec cp {} "$corpus/$t/" \;
  done
fi

# ---- Python --------------------------------------------------------------------------------
py=python
bytes 10000 '(' | seed $py deep_parens
bytes 10000 '[' | seed $py deep_brackets
{ printf 'x = '; bytes 5000 '('; printf '1'; bytes 5000 ')'; printf '\n'; } | seed $py deep_parens_closed
{ printf 'x = '; repeat 3000 '-'; printf '1\n'; } | seed $py deep_unary
{ printf 'x = a'; repeat 5000 '.b'; printf '\n'; } | seed $py long_attribute_chain
{ printf 'q = db.session.query(User)'; repeat 2000 '.filter(x)'; printf '.all()\n'; } | seed $py long_call_chain
{ printf 'x = 1'; repeat 5000 ' + 1'; printf '\n'; } | seed $py long_addition
{ printf 'x = a'; repeat 3000 ' or a'; printf '\n'; } | seed $py long_or
{ for ((i = 0; i < 300; i++)); do printf '%*sif x:\n' $((i)) ''; done; printf '%*spass\n' 300 ''; } | seed $py deep_indent
{ for ((i = 0; i < 200; i++)); do printf '%*sdef f%d(a: int = 1, *b, **c) -> "T":\n' $((i * 4)) '' "$i"; done; printf '%*sreturn 1\n' 800 ''; } | seed $py deep_defs
printf 'import os\r\ndef f(x):\r\n    return x\r\n' | seed $py crlf
printf 'import os\rdef f(x):\r    return x\r' | seed $py lone_cr
printf 'def f(x):\n    db.execute("SELECT * FROM t WHERE a = 1\rAND b = 2")\r\n' | seed $py mixed_line_endings
printf 'x = "a\0b"\n\0\0def f():\n    pass\0\n' | seed $py nul_bytes
{ printf 'X = "'; bytes 65536 'a'; printf '"\n'; } | seed $py long_string
{ printf 'SQL = """SELECT * FROM t WHERE '; repeat 2000 'a = 1 AND '; printf 'b = 2"""\n'; } | seed $py long_sql_constant
{ printf 'x = '; bytes 65536 '9'; printf '\n'; } | seed $py long_number
printf 'x = "unterminated\ndef f():\n    return 1\n' | seed $py unterminated_string
printf 'x = """unterminated\ndef f():\n    db.execute("SELECT 1")\n' | seed $py unterminated_triple
printf 'x = f"{a:{b:{c}}}" + f"{x!r:>{w}}" + f"""{y\n}"""\n' | seed $py nested_fstring
{ printf 'x = f"'; repeat 500 '{f"'; printf 'a'; repeat 500 '"}'; printf '"\n'; } | seed $py deep_fstring
printf '\xef\xbb\xbfimport os\n\xef\xbb\xbfdef f(): pass\n' | seed $py bom
printf 'def caf\xc3\xa9(\xce\xbb):\n    return \xce\xbb  # \xe2\x80\xae\xe2\x80\xa8\xf0\x9f\x92\xa9\n\xe5\xa4\x89 = "\xcc\x81\xcc\x81" + "\xef\xbf\xbd"\n' | seed $py odd_unicode
printf 'class A(db.Model):\n    __tablename__ = "a"\n    id = db.Column(db.Integer, primary_key=True)\n\n@bp.route("/a/<int:id>", methods=["GET"])\n@login_required\ndef get(id):\n    cur.execute("SELECT * FROM a WHERE id = %%s" %% id)\n    cur.execute(f"SELECT {x} FROM a")\n    return A.query.filter_by(id=id).first()\n' | seed $py flask_shapes
printf 'print "python 2"\nexec "x"\ndef f((a, b)):\n    raise E, "m"\n' | seed $py python2
printf '\t if x:\n  \tpass\n\t\tpass\n' | seed $py mixed_tabs

# ---- SQL (the three SQL targets share the hand-made seeds) --------------------------------
sql_seeds() {
  local t=$1
  bytes 10000 '(' | seed "$t" deep_parens
  { printf 'SELECT '; bytes 5000 '('; printf '1'; bytes 5000 ')'; } | seed "$t" deep_parens_closed
  { printf 'SELECT 1'; repeat 5000 ' UNION ALL SELECT 1'; } | seed "$t" union_all_5k
  { printf 'SELECT * FROM t WHERE a = 1'; repeat 5000 ' OR a = 1'; } | seed "$t" or_chain_5k
  { printf 'SELECT '; repeat 3000 '- '; printf '1'; } | seed "$t" unary_chain
  { printf 'SELECT '; repeat 2000 'ARRAY['; printf '1'; repeat 2000 ']'; } | seed "$t" deep_arrays
  { printf 'SELECT * FROM t WHERE a IN ('; repeat 2000 '(SELECT a FROM t WHERE a IN ('; printf '1'; repeat 2000 '))'; printf ')'; } | seed "$t" deep_subqueries
  printf 'SELECT 1;\rSELECT 2;\rDELETE FROM t\rWHERE a = 1;\r' | seed "$t" lone_cr
  printf 'SELECT 1;\r\nUPDATE t SET a = 1\r\nWHERE b = 2;\r\n' | seed "$t" crlf
  printf 'SELECT \0 FROM t;\0;\nSELECT 1\0' | seed "$t" nul_bytes
  { printf "SELECT '"; bytes 65536 'x'; printf "' FROM t"; } | seed "$t" long_string
  { printf 'SELECT '; bytes 65536 '9'; } | seed "$t" long_number
  { printf 'SELECT "'; bytes 65536 'c'; printf '" FROM t'; } | seed "$t" long_quoted_ident
  printf "SELECT 'unterminated;\nSELECT 2;" | seed "$t" unterminated_string
  printf 'SELECT "unterminated;\nSELECT 2;' | seed "$t" unterminated_ident
  printf 'SELECT $$unterminated;\nSELECT 2; $tag$ x $$' | seed "$t" unterminated_dollar
  printf 'SELECT 1 /* unterminated /* nested */ ;\nSELECT 2;' | seed "$t" unterminated_comment
  printf "SELECT E'\\\\';' FROM t; SELECT E'\\\\\\\\' FROM u;" | seed "$t" backslash_escapes
  { repeat 3000 '{{ '; printf 'SELECT 1;'; repeat 3000 '{% '; } | seed "$t" unclosed_jinja
  printf '{%% if a %%}\nSELECT {{ cols }} FROM {table} WHERE a = %%(a)s AND b = :b AND c = ? AND d = %%s{# c #}\n{%% endif %%};' | seed "$t" templates
  { printf 'SELECT * FROM t WHERE a IN ('; repeat 3000 '%s, '; printf '%%s)'; } | seed "$t" many_params
  printf 'COPY t (a, b) FROM stdin;\n1\tx;y\n2\t\x27z\n' | seed "$t" copy_unterminated
  printf 'COPY t FROM stdin;\n1\n\\.\r\nSELECT 1;\n\\connect db\nSELECT 2;' | seed "$t" copy_and_meta
  printf '\xef\xbb\xbfSELECT 1;\n\xef\xbb\xbfSELECT 2;' | seed "$t" bom
  printf 'SELECT "caf\xc3\xa9", \xce\xbb FROM "\xe2\x80\xae\xf0\x9f\x92\xa9" WHERE x = \x27\xcc\x81\x27 AND \xe2\x80\xa8 y = :\xc3\xa9;' | seed "$t" odd_unicode
  printf 'CREATE TABLE a (id serial PRIMARY KEY, b_id int REFERENCES b(id) ON DELETE CASCADE, UNIQUE (id, b_id));\nALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b_id) REFERENCES b (id);\nCREATE INDEX i ON a (b_id);\nINSERT INTO a SELECT * FROM b JOIN c ON b.id = c.b_id WHERE c.x = $1 ON CONFLICT (id) DO UPDATE SET b_id = EXCLUDED.b_id RETURNING id;\nWITH RECURSIVE r AS (SELECT 1 UNION SELECT n + 1 FROM r) SELECT * FROM r;\n' | seed "$t" ddl_dml
  printf 'CREATE FUNCTION f() RETURNS trigger AS $body$\nBEGIN\n  DELETE FROM t;\nEND;\n$body$ LANGUAGE plpgsql;\n' | seed "$t" function_body
}
for t in sql sql_split sql_neutralize; do sql_seeds "$t"; done

# ---- seam.toml ----------------------------------------------------------------------------
cf=config
printf 'version = 1\n\n[services.billing]\nmembers = ["shop.billing.*", "shop.models:Invoice*"]\ntables = ["invoices", "payments"]\nallow = ["identity"]\n\n[services.identity]\nmembers = ["shop.identity.*"]\n\n[kernel]\nmembers = ["shop.common.*"]\n' | seed $cf good
printf '[services.a]\nmembers = ["x.*", "bad pattern"]\nallow = ["nope"]\ntables = ["t"]\n\n[services.b]\nmembers = ["x.*"]\ntables = ["t"]\n' | seed $cf errors
printf '[services."shop.billing"]\nmembers = [\n  "shop.billing.*",\n  "shop.models:Invoice",\n]\ntables = ["table:invoices"]\nallow = ["shop.billing"]\n' | seed $cf quoted_names
printf 'version = 7\n' | seed $cf newer_version
printf 'version = 99999999999999999999\n' | seed $cf huge_version
printf '[services.a\nmembers = []\n' | seed $cf broken_header
printf '[services.a]\nmember = ["x"]\n' | seed $cf unknown_key
printf '[services.a]\r\nmembers = ["a.*"]\r\n' | seed $cf crlf
printf '[services.a]\rmembers = ["a.*"]\r' | seed $cf lone_cr
printf '[services.a]\nmembers = ["a\0b"]\0\n' | seed $cf nul_bytes
printf '\xef\xbb\xbf[services.a]\nmembers = ["a.*"]\n' | seed $cf bom
printf '[services."caf\xc3\xa9"]\nmembers = ["\xce\xbb.\xe2\x80\xae*", "\xf0\x9f\x92\xa9:\xcc\x81*"]\ntables = ["\xe5\xa4\x89"]\n' | seed $cf odd_unicode
{ printf '[services.a]\nmembers = ['; bytes 10000 '['; } | seed $cf deep_arrays
{ printf 'x = '; repeat 5000 '{ a = '; printf '1'; repeat 5000 ' }'; } | seed $cf deep_inline_tables
{ printf '[services.a]\nmembers = ["'; bytes 65536 'a'; printf '"]\n'; } | seed $cf long_string
printf '[services.a]\nmembers = ["unterminated]\n' | seed $cf unterminated_string
printf '[services.a]\nmembers = """multi\nline.*"""\ntables = [\x27lit\x27, """t\n"""]\n' | seed $cf multiline_strings
{ for ((i = 0; i < 500; i++)); do printf '[services.s%d]\nmembers = ["m%d.*"]\nallow = ["s%d"]\n' "$i" "$i" $(((i + 1) % 500)); done; } | seed $cf many_services

# ---- pg_stat_statements CSV ---------------------------------------------------------------
wl=workload
printf 'userid,query,calls,total_exec_time\n10,"SELECT status, count(*) FROM projects GROUP BY status",900000,1200.5\n10,"SELECT id, name FROM projects WHERE tenant_id = $1",100,3.2\n10,"SELECT * FROM invoices WHERE id = $1",50,1.0\n' | seed $wl good
printf 'query,calls,total_time\n"UPDATE t SET a = $1 WHERE id = $2",5,0.5\n' | seed $wl total_time
printf 'query,calls\n' | seed $wl header_only
printf 'query,total\nSELECT 1,2\n' | seed $wl no_calls_column
printf 'query,calls\nSELECT 1,lots\n' | seed $wl not_a_number
printf 'query,calls,total_exec_time\nSELECT 1,NaN,inf\nSELECT 2,1e999,-0\nSELECT 3,,\nSELECT 4\n' | seed $wl odd_numbers
printf 'query,calls\r\n"SELECT 1\r\nFROM t",1\r\n' | seed $wl crlf
printf 'query,calls\r"SELECT 1",1\r"SELECT 2",2\r' | seed $wl lone_cr
printf 'query,calls\n"SELECT \0",1\0\n' | seed $wl nul_bytes
printf '\xef\xbb\xbfquery,calls\nSELECT 1,1\n' | seed $wl bom
printf 'query,calls\n"unterminated,1\nSELECT 2,2\n' | seed $wl unterminated_quote
printf 'query,calls\n"SELECT \xff\xfe",1\n' | seed $wl invalid_utf8
printf ' Query , CALLS ,Total_Exec_Time\n"SELECT caf\xc3\xa9 FROM \xe2\x80\xae",1,2\n' | seed $wl odd_unicode
{ printf 'query,calls\n"SELECT 1'; repeat 3000 ' UNION ALL SELECT 1'; printf '",1\n'; } | seed $wl long_query
{ printf 'query,calls\n"SELECT \x27'; bytes 65536 'x'; printf '\x27",1\n'; } | seed $wl long_field
{ printf 'query,calls'; repeat 2000 ',c'; printf '\nSELECT 1,1\n'; } | seed $wl many_columns

for t in python sql sql_split sql_neutralize config workload; do
  echo "corpus/$t: $(find "$corpus/$t" -type f | wc -l) inputs"
done
