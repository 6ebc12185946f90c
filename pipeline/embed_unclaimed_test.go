package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// New embeddings rows are sent without a pending claim in the state
// database: a second row with the id of one still in flight (packed but not
// sent, or answered but not yet committed) must still be caught as a
// duplicate, on the first run and on the rerun, and its text never sent.
func TestEmbeddingsDuplicateIDOfARowInFlight(t *testing.T) {
	const n, first, dup = 1000, 10, 700
	for _, batch := range []int{0, 100} {
		t.Run(fmt.Sprintf("embed-batch=%d", batch), func(t *testing.T) {
			inBubble(t, simulator.Config{Seed: 7}, func(t *testing.T, e *memEnv) {
				input := writeEmbedCSV(t, e.dir, n, map[int]string{dup: "the second copy's own text"})
				// Give row dup the id of row first.
				data, err := os.ReadFile(input)
				if err != nil {
					t.Fatal(err)
				}
				data = bytes.Replace(data, fmt.Appendf(nil, "d%05d,the second", dup), fmt.Appendf(nil, "d%05d,the second", first), 1)
				if err := os.WriteFile(input, data, 0o644); err != nil {
					t.Fatal(err)
				}
				count := &inputCounter{h: e.sim}
				job := embedJob(e.dir, input, 8)
				job.EmbedBatch = batch
				for run := 1; run <= 2; run++ {
					s, err := Run(context.Background(), job, e.embedOpts(count))
					if err != nil || s.Stop != Completed {
						t.Fatalf("run %d: stop=%v err=%v %v", run, s.Stop, err, s.Err)
					}
					if s.Failed != 1 || s.OK != n-1 {
						t.Fatalf("run %d: %d ok, %d failed; want %d and 1 (the duplicate)", run, s.OK, s.Failed, n-1)
					}
				}
				if k := count.seen["the second copy's own text"]; k != 0 {
					t.Fatalf("the duplicate's text was sent %d times", k)
				}
				if k := count.seen[embedText(first)]; k != 1 {
					t.Fatalf("the first copy's text was sent %d times, want once", k)
				}
				rows := readJSONL(t, job.Outputs[1])
				msg, _ := rows[dup]["error"].(string)
				if len(rows) != n || !strings.Contains(msg, "duplicate id") || !strings.Contains(msg, fmt.Sprintf(":%d", first+2)) {
					t.Fatalf("%d rows; row %d's error %q, want a duplicate of line %d", len(rows), dup, msg, first+2)
				}
			})
		})
	}
}
