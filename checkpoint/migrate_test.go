package checkpoint

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// openFixture copies testdata/<name>.db to a temporary directory (the
// migration rewrites it in place), opens it, and returns it with the dump
// the release that wrote it read back.
func openFixture(t *testing.T, name string) (*DB, fixtureDump) {
	t.Helper()
	var want fixtureDump
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	must(t, err)
	must(t, json.Unmarshal(b, &want))
	src, err := os.Open(filepath.Join("testdata", name+".db"))
	must(t, err)
	defer src.Close()
	path := filepath.Join(t.TempDir(), "job.state.db")
	dst, err := os.Create(path)
	must(t, err)
	_, err = io.Copy(dst, src)
	must(t, err)
	must(t, dst.Close())
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, want
}

// TestOpenMigratesV1 opens a database written by the first release and
// checks that every value that release read back reads back the same, and
// that the job carries on: rows can be moved, committed and counted.
func TestOpenMigratesV1(t *testing.T) {
	db, want := openFixture(t, "v1-state")
	got := dumpFixture(t, db)
	if got.SchemaVersion != schemaVersion {
		t.Errorf("schema version after open = %d, want %d", got.SchemaVersion, schemaVersion)
	}
	got.SchemaVersion, want.SchemaVersion = 0, 0
	compareDump(t, got, want)
	checkSchemaV2(t, db)

	// Resume: a new run, the detached row comes back, a new row is answered.
	ctx := context.Background()
	run, err := db.BeginRun(ctx)
	must(t, err)
	if run != want.Run+1 {
		t.Errorf("BeginRun = %d, want %d", run, want.Run+1)
	}
	detached := want.Stored["theta"]
	must(t, db.Touch(ctx, []SeqUpdate{{Key: "theta", Seq: 30}}))
	fresh := okRow("new-row", 31)
	must(t, db.Commit(ctx, []Row{fresh}))
	var last []Row
	must(t, db.Rows(ctx, func(r Row) error { last = append(last, r); return nil }))
	if n := len(last); n != len(want.Rows)+2 || last[n-2].Key != "theta" || last[n-1].Key != "new-row" {
		t.Fatalf("after resume Rows = %d rows ending %v, want %d ending theta, new-row", n, keysOf(last), len(want.Rows)+2)
	}
	if th := last[len(last)-2]; th.RequestHash != detached.RequestHash || th.Position != detached.Position || th.Output != "detached" {
		t.Errorf("the detached row came back as %+v, stored as %+v", th, detached)
	}
	if !reflect.DeepEqual(last[len(last)-1], fresh) {
		t.Errorf("a row committed after the migration reads back as %+v, want %+v", last[len(last)-1], fresh)
	}
	tot, err := db.Totals(ctx)
	must(t, err)
	if tot.Rows != want.Totals.Rows+2 || tot.OK != want.Totals.OK+2 {
		t.Errorf("Totals after resume = %+v, want two more OK rows than %+v", tot, want.Totals)
	}
}

// checkSchemaV2 checks the migration replaced the tables and indexes: the
// rows_done index that served only DB.Done is gone, the old table's pages
// were handed back, and a fresh database has exactly the same schema.
func checkSchemaV2(t *testing.T, db *DB) {
	t.Helper()
	got := schemaOf(t, db)
	if _, ok := got["rows_done"]; ok {
		t.Error("rows_done is still there after the migration")
	}
	if want := schemaOf(t, openTemp(t)); !reflect.DeepEqual(got, want) {
		t.Errorf("migrated schema differs from a new database's:\n got %v\nwant %v", got, want)
	}
	var free int
	must(t, db.w.QueryRow("PRAGMA freelist_count").Scan(&free))
	if free != 0 {
		t.Errorf("%d free pages after the migration: the file was not vacuumed", free)
	}
}

// schemaOf returns every table's and index's name with the columns they
// cover, as SQLite reports them.
func schemaOf(t *testing.T, db *DB) map[string]string {
	t.Helper()
	rows, err := db.r.Query(`SELECT s.name, group_concat(coalesce(c.name, ''), ',')
FROM sqlite_schema AS s, pragma_table_xinfo(s.name) AS c WHERE s.type = 'table' GROUP BY s.name
UNION ALL
SELECT s.name, group_concat(coalesce(c.name, ''), ',')
FROM sqlite_schema AS s, pragma_index_xinfo(s.name) AS c WHERE s.type = 'index' GROUP BY s.name`)
	must(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, cols string
		must(t, rows.Scan(&name, &cols))
		out[name] = cols
	}
	must(t, rows.Err())
	return out
}

// compareDump reports each part of got that differs from want.
func compareDump(t *testing.T, got, want fixtureDump) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		// Compare through JSON, as the dump was stored: nil and empty
		// slices of the dump must not differ by accident of decoding.
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		if string(gb) != string(wb) {
			t.Errorf("%s differs from what the release that wrote the fixture read:\n got %s\nwant %s", name, gb, wb)
		}
	}
}

func keysOf(rows []Row) []string {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Key
	}
	return keys
}
