package jobstate

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/batchprompt/batchprompt/checkpoint"
)

// fingerprint is a job identity like pipeline's, with params as given.
func fingerprint(params string) map[string]string {
	return map[string]string{"version": "1", "model": "gpt-4o-mini", "template": "Say {{.text}}\nand more",
		"params": params, "id_column": "id", "prompt_column": "", "input_format": "", "csv_delimiter": ""}
}

// openJob opens path as a run of the default job would, and closes it
// when the test ends.
func openJob(t *testing.T, path string) *State {
	t.Helper()
	s, err := Open(context.Background(), Config{Path: path, Fingerprint: fingerprint(`{}`), Keep: []string{"lang"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// partialJob builds, through Open as a run does, a state database of 10
// rows of which 6 ok, 1 failed and 3 pending, then records meta, and
// returns its path.
func partialJob(t *testing.T, dir string, meta map[string]string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "job.state.db")
	s := openJob(t, path)
	var rows []checkpoint.Row
	for i := range 10 {
		lang := json.RawMessage(`"en"`)
		cost := 0.001
		r := checkpoint.Row{Key: fmt.Sprintf("id:r%d", i), Seq: int64(i), ID: fmt.Sprintf("r%d", i), Kept: []json.RawMessage{lang},
			Status: checkpoint.StatusOK, Output: fmt.Sprintf("answer %d", i), PromptTokens: 10, CompletionTokens: 5, CostUSD: &cost}
		switch {
		case i == 4:
			r.Status, r.Output, r.Error, r.ErrorKind, r.CostUSD = checkpoint.StatusFailed, "", "http 400: bad request", "http_400", nil
		case i >= 7:
			r.Status, r.Output, r.CostUSD, r.PromptTokens, r.CompletionTokens = checkpoint.StatusPending, "", nil, 0, 0
		}
		rows = append(rows, r)
	}
	if err := s.DB.Commit(ctx, rows); err != nil {
		t.Fatal(err)
	}
	for k, v := range meta {
		if err := s.DB.SetMeta(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func fmtAny(v any) string { return fmt.Sprintf("%#v", v) }
