package checkpoint

import (
	"context"
	"reflect"
	"testing"
)

// A chunk's intent is recorded with its rows; moving a row to a later
// chunk replaces its assignment (a row is never in two chunks) and counts
// the try; updates after each call read back.
func TestBatchChunks(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	c1, err := db.PlanChunk(ctx, BatchChunk{Model: "gpt-4o-mini", Round: 1, Tokens: 30, ReservedUSD: 0.5, Submitted: 100}, []string{"a", "b", "c"})
	must(t, err)
	c2, err := db.PlanChunk(ctx, BatchChunk{Model: "gpt-4o-mini", Round: 2, Tokens: 10, Submitted: 200}, []string{"b"})
	must(t, err)
	if c1 == c2 {
		t.Fatalf("two chunks got number %d", c1)
	}
	up := BatchChunk{Chunk: c1, ReservedUSD: 0.5, State: ChunkLive, FileID: "file-1", BatchID: "batch_1",
		Status: "in_progress", Completed: 2, Failed: 1, CreatedAt: 101, ExpiresAt: 86501}
	must(t, db.UpdateChunk(ctx, up))
	chunks, err := db.Chunks(ctx)
	must(t, err)
	want := up
	want.Model, want.Round, want.Requests, want.Tokens, want.Submitted = "gpt-4o-mini", 1, 3, 30, 100
	if len(chunks) != 2 || !reflect.DeepEqual(chunks[0], want) {
		t.Fatalf("Chunks = %+v, want first %+v", chunks, want)
	}
	if chunks[1].State != ChunkUploading || chunks[1].Requests != 1 {
		t.Fatalf("second chunk = %+v, want uploading with 1 request", chunks[1])
	}
	got := map[string]BatchRow{}
	must(t, db.BatchRows(ctx, func(k string, r BatchRow) error { got[k] = r; return nil }))
	wantRows := map[string]BatchRow{"a": {c1, 1}, "b": {c2, 2}, "c": {c1, 1}}
	if !reflect.DeepEqual(got, wantRows) {
		t.Fatalf("BatchRows = %v, want %v", got, wantRows)
	}
}

// A database of schema 2 (before the Batch API tables) opens as schema 3
// with every value read back as before, the schema of a new database, and
// chunks that can be planned.
func TestOpenMigratesV2(t *testing.T) {
	db, want := openFixture(t, "v2-state")
	got := dumpFixture(t, db)
	if got.SchemaVersion != schemaVersion {
		t.Errorf("schema version after open = %d, want %d", got.SchemaVersion, schemaVersion)
	}
	got.SchemaVersion, want.SchemaVersion = 0, 0
	compareDump(t, got, want)
	if g, w := schemaOf(t, db), schemaOf(t, openTemp(t)); !reflect.DeepEqual(g, w) {
		t.Errorf("migrated schema differs from a new database's:\n got %v\nwant %v", g, w)
	}
	if _, err := db.PlanChunk(context.Background(), BatchChunk{Model: "m", Round: 1}, []string{"alpha"}); err != nil {
		t.Fatal(err)
	}
}
