package pipeline

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// failing answers 500 to every request whose body contains one of the
// markers, and passes the others to next.
func failing(next http.Handler, markers ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		for _, m := range markers {
			if bytes.Contains(body, []byte(m)) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte(`{"error":{"message":"The server had an error","type":"server_error"}}`))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// run and status agree on a row that ran out of retries (issue 13, item
// 6): both call it failed, the job is complete with error rows, and the
// next run sends it again.
func TestRunAndStatusAgreeOnRowsOutOfRetries(t *testing.T) {
	inBubble(t, simulator.Config{}, func(t *testing.T, e *memEnv) {
		job := e.job(writeCSV(t, e.dir, 10))
		opt := e.opts()
		opt.HTTPClient = &http.Client{Transport: memTransport{failing(e.sim, "id-00003", "id-00007")}}
		opt.MaxAttempts = 2
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Completed || s.OK != 8 || s.Failed != 2 {
			t.Fatalf("run: stop=%v ok=%d failed=%d, want completed 8 ok 2 failed", s.Stop, s.OK, s.Failed)
		}
		st, err := ReadStatus(context.Background(), job.State)
		if err != nil {
			t.Fatal(err)
		}
		if st.OK != s.OK || st.Failed != s.Failed || st.Pending != 0 || !st.Complete || st.RetryOnRerun != 2 {
			t.Fatalf("status: ok=%d failed=%d pending=%d complete=%v retry=%d; run said ok=%d failed=%d",
				st.OK, st.Failed, st.Pending, st.Complete, st.RetryOnRerun, s.OK, s.Failed)
		}
		// The next run, with the server healed, sends exactly those two.
		opt.HTTPClient = &http.Client{Transport: memTransport{e.sim}}
		s2, err := Run(context.Background(), job, opt)
		if err != nil || s2.Stop != Completed || s2.OK != 10 || s2.Reused != 8 || s2.Requests != 2 {
			t.Fatalf("rerun: stop=%v ok=%d reused=%d requests=%d err=%v", s2.Stop, s2.OK, s2.Reused, s2.Requests, err)
		}
	})
}
