package checkpoint

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// The fixture is a small state database written by a release, committed
// under testdata/ with a JSON dump of what that release read back from it.
// A later release must open it (migrating it in place) and read back the
// same values: see TestOpenMigratesV1.
//
// To make one for the current schema version (do this before changing the
// schema again, and keep the files it writes):
//
//	CHECKPOINT_FIXTURE=testdata/v1-state go test -run TestWriteFixture ./checkpoint/
//
// writes testdata/v1-state.db and testdata/v1-state.json.

// fixtureDump is what a release reads back from the fixture through the
// exported API.
type fixtureDump struct {
	SchemaVersion int
	Run           int64
	Spent         float64
	Fingerprint   map[string]string
	Meta          map[string]string
	Rows          []Row             // DB.Rows, in order
	Stored        map[string]Stored // DB.Lookup of every key, placed or not
	Placed        []Placed          // DB.AtSeq(-1, fixtureSeqs)
	Totals        Totals
	Keys          []string // every key written, for Lookup
}

// fixtureSeqs bounds the positions the fixture uses.
const fixtureSeqs = 100

// fixtureMetaKeys are the meta keys the fixture sets.
var fixtureMetaKeys = []string{"keep", "limits:gpt-4o-mini", "complete", "unicode ключ"}

// fixtureRows covers what a row can hold: every status, NULL and empty kept
// columns, unknown and zero costs, binary and absent response bodies,
// request hashes that are and are not lowercase hex, positions with and
// without a line number, and keys made of an id or of a file and row.
func fixtureRows() []Row {
	body := []byte{0, 1, 2, 0xff, 0xfe, '{', '}', 0}
	rows := []Row{
		okRow("alpha", 0),
		{Key: "in.csv#2", Seq: 1, RequestHash: "0123456789abcdef0123456789abcdef", Status: StatusOK, ID: "in.csv#2",
			Output: "ünïcødé ✓ \n\t\"quoted\"", FinishReason: "length", Model: "gpt-4.1", PromptTokens: math.MaxInt32,
			CompletionTokens: 1 << 40, CachedTokens: 7, ReasoningTokens: 3, CostUSD: fp64(0), LatencyMS: 0, Attempts: 3,
			Position: "in.csv:3", RequestID: "req_0123456789abcdef0123456789abcdef"},
		{Key: "/abs/dir with space/part-1.jsonl#0", Seq: 2, RequestHash: "ABCDEF0123456789ABCDEF0123456789", Status: StatusFailed,
			ID: "beta", Kept: []json.RawMessage{}, Error: "HTTP 400: bad request", ErrorKind: "http_400", HTTPStatus: 400,
			ResponseBody: []byte(`{"error":{"message":"bad"}}`), Attempts: 1, LatencyMS: 12,
			Position: "/abs/dir with space/part-1.jsonl:1"},
		{Key: "gamma", Seq: 3, RequestHash: "", Status: StatusFailed, ID: "gamma", Kept: []json.RawMessage{nil, nil},
			Error: "render: no column text", ErrorKind: "render", Position: `C:\data\in.csv:4`},
		{Key: "delta", Seq: 4, RequestHash: "abc", Status: StatusPending, ID: "delta",
			Error: "not answered yet: rerun the same command to resume", ErrorKind: "pending", Position: "weird"},
		{Key: "ключ", Seq: 5, RequestHash: "fedcba9876543210fedcba9876543210aa", Status: StatusPending, ID: "ключ",
			Error: "timeout", ErrorKind: "timeout", Attempts: 5, ResponseBody: body, Position: ""},
		{Key: "epsilon", Seq: 6, RequestHash: "00000000000000000000000000000000", Status: StatusOK, ID: "",
			Output: "", Model: "gpt-4o-mini", CostUSD: fp64(1e-12), Position: "in.csv:007"},
		{Key: "zeta", Seq: 7, RequestHash: "11111111111111111111111111111111", Status: StatusOK, ID: "zeta",
			Output: "z", Model: "gpt-4o-mini", CostUSD: fp64(0.25), Position: "in.csv:-1", RequestID: "x"},
		{Key: "eta", Seq: 8, RequestHash: "22222222222222222222222222222222", Status: StatusOK, ID: "eta",
			Output: "moves away", Model: "gpt-4o-mini", Position: "in.csv:99999999999999999999"},
		{Key: "theta", Seq: 9, RequestHash: "33333333333333333333333333333333", Status: StatusOK, ID: "theta",
			Output: "detached", Model: "gpt-4o-mini", CostUSD: fp64(0.5), Position: "old.csv:10"},
		{Key: "in.csv#5", Seq: 10, RequestHash: "44444444444444444444444444444444", Status: StatusFailed, ID: "alpha",
			Error: `in.csv:12: duplicate id "alpha" (first at in.csv:2)`, ErrorKind: "id", Position: "in.csv:12"},
		{Key: "iota", Seq: 11, RequestHash: "55555555555555555555555555555555", Status: StatusOK, ID: "iota",
			Output: "stays from run 1", Model: "gpt-4o-mini", Position: "in.csv:13"},
	}
	return rows
}

// writeFixture builds the fixture database at path with the current code,
// over two runs, as a resumed job would leave it.
func writeFixture(t testing.TB, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path)
	must(t, err)
	defer db.Close()
	_, err = db.BeginRun(ctx)
	must(t, err)
	must(t, db.SetFingerprint(ctx, map[string]string{"model": "gpt-4o-mini", "template": "Summarise: {{.text}}", "ünï": "çødé"}))
	for i, k := range fixtureMetaKeys {
		must(t, db.SetMeta(ctx, k, []string{`["text"]`, `{"rpm":500,"tpm":200000}`, "false", "значение"}[i]))
	}
	rows := fixtureRows()
	must(t, db.Commit(ctx, rows[:6]))
	must(t, db.Commit(ctx, rows[6:]))
	// The second run: eta moves, theta's line is gone, iota is not touched,
	// alpha's kept columns change and gamma is answered again.
	_, err = db.BeginRun(ctx)
	must(t, err)
	must(t, db.Touch(ctx, []SeqUpdate{{Key: "theta", Seq: -1}, {Key: "eta", Seq: 20}}))
	must(t, db.SetKept(ctx, []KeptUpdate{{Key: "alpha", Kept: []json.RawMessage{jstr("new"), jstr("")}}}))
	again := rows[3]
	again.Status, again.Error, again.ErrorKind, again.Output, again.CostUSD = StatusOK, "", "", "answered", fp64(0.125)
	must(t, db.Commit(ctx, []Row{again}))
	must(t, db.SetMeta(ctx, "complete", "true"))
}

// dumpFixture reads back everything the exported API offers of the fixture.
func dumpFixture(t testing.TB, db *DB) fixtureDump {
	t.Helper()
	ctx := context.Background()
	d := fixtureDump{Meta: map[string]string{}}
	var err error
	must(t, db.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&d.SchemaVersion))
	d.Run, err = db.Run(ctx)
	must(t, err)
	d.Spent, err = db.Spent(ctx)
	must(t, err)
	d.Fingerprint, _, err = db.Fingerprint(ctx)
	must(t, err)
	for _, k := range fixtureMetaKeys {
		v, ok, err := db.Meta(ctx, k)
		must(t, err)
		if ok {
			d.Meta[k] = v
		}
	}
	must(t, db.Rows(ctx, func(r Row) error { d.Rows = append(d.Rows, r); return nil }))
	for _, r := range fixtureRows() {
		d.Keys = append(d.Keys, r.Key)
	}
	sort.Strings(d.Keys)
	d.Stored, err = db.Lookup(ctx, d.Keys)
	must(t, err)
	d.Placed, err = db.AtSeq(ctx, -1, fixtureSeqs)
	must(t, err)
	d.Totals, err = db.Totals(ctx)
	must(t, err)
	return d
}

// TestWriteFixture writes the fixture for the current schema version when
// CHECKPOINT_FIXTURE names where (without extension); see the top of this
// file. It is skipped otherwise.
func TestWriteFixture(t *testing.T) {
	base := os.Getenv("CHECKPOINT_FIXTURE")
	if base == "" {
		t.Skip("set CHECKPOINT_FIXTURE=testdata/vN-state to write a fixture")
	}
	must(t, os.MkdirAll(filepath.Dir(base), 0o755))
	for _, ext := range []string{".db", ".db-wal", ".db-shm", ".json"} {
		os.Remove(base + ext)
	}
	writeFixture(t, base+".db")
	db, err := Open(context.Background(), base+".db")
	must(t, err)
	d := dumpFixture(t, db)
	must(t, db.Close())
	b, err := json.MarshalIndent(d, "", "\t")
	must(t, err)
	must(t, os.WriteFile(base+".json", append(b, '\n'), 0o644))
	if _, err := os.Stat(base + ".db-wal"); err == nil {
		t.Fatalf("%s.db-wal left behind: the fixture must be one file", base)
	}
}
