package pipeline

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// holding passes requests whose body contains one of the markers to next
// and holds every other until its request is abandoned.
func holding(next http.Handler, markers ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		for _, m := range markers {
			if bytes.Contains(body, []byte(m)) {
				next.ServeHTTP(w, r)
				return
			}
		}
		<-r.Context().Done()
	})
}

// A second Ctrl-C (Options.Abandon) abandons the requests in flight at
// once, but first commits every answer that has arrived (issue 13, item
// 3): nothing received is lost or paid for twice on the resume.
func TestRunAbandonCommitsWhatArrived(t *testing.T) {
	inBubble(t, simulator.Config{}, func(t *testing.T, e *memEnv) {
		job := e.job(writeCSV(t, e.dir, 12))
		opt := e.opts()
		opt.Concurrency = 12
		opt.DrainTimeout = time.Hour // only Abandon can end the run early
		opt.Endpoint.Timeout = 2 * time.Hour
		opt.HTTPClient = &http.Client{Transport: memTransport{holding(e.sim, "id-00000", "id-00001", "id-00002", "id-00003")}}
		ctx, interrupt := context.WithCancel(context.Background())
		abandon := make(chan struct{})
		opt.Abandon = abandon
		opt.Progress = func(p Progress) {
			if p.Done == 4 && ctx.Err() == nil {
				interrupt()    // the first Ctrl-C
				close(abandon) // the second
			}
		}
		s, err := Run(ctx, job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != Interrupted || s.OK != 4 {
			t.Fatalf("stop=%v ok=%d, want Interrupted with the 4 answers received", s.Stop, s.OK)
		}
		if took := s.Finished.Sub(s.Started); took >= opt.DrainTimeout {
			t.Fatalf("the run took %v: it waited out the drain instead of abandoning", took)
		}
		st, err := ReadStatus(context.Background(), job.State)
		if err != nil || st.OK != 4 || st.Pending != 8 {
			t.Fatalf("state: ok=%d pending=%d err=%v, want the 4 answers committed and 8 pending", st.OK, st.Pending, err)
		}
		// The resume sends only the 8 abandoned rows.
		opt.HTTPClient, opt.Progress, opt.Abandon = &http.Client{Transport: memTransport{e.sim}}, nil, nil
		before := e.sim.Stats().Requests
		s, err = Run(context.Background(), job, opt)
		if err != nil || s.Stop != Completed || e.sim.Stats().Requests-before != 8 {
			t.Fatalf("resume: stop=%v requests=%d err=%v %v, want 8 sent", s.Stop, e.sim.Stats().Requests-before, s.Err, err)
		}
	})
}

// A prompt longer than the model's context window is an error row before
// anything is sent (issue 13, item 12), not an upload the API refuses.
func TestRunPromptOverTheContextWindowIsNotSent(t *testing.T) {
	inBubble(t, simulator.Config{}, func(t *testing.T, e *memEnv) {
		in := filepath.Join(e.dir, "in.jsonl")
		long := strings.Repeat("word ", 200)
		os.WriteFile(in, []byte(`{"id":"short","text":"hi"}`+"\n"+`{"id":"long","text":"`+long+`"}`+"\n"), 0o644)
		prices := filepath.Join(e.dir, "prices.json")
		os.WriteFile(prices, []byte(`{"gpt-4o-mini":{"input":0.15,"output":0.6,"context_window":100}}`), 0o644)
		job := e.job(in)
		job.Keep = nil
		opt := e.opts()
		var err error
		if opt.Prices, err = LoadPrices(prices); err != nil {
			t.Fatal(err)
		}
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.OK != 1 || s.Failed != 1 || s.Requests != 1 || e.sim.Stats().Requests != 1 {
			t.Fatalf("ok=%d failed=%d requests=%d (server saw %d), want the long prompt refused unsent", s.OK, s.Failed, s.Requests, e.sim.Stats().Requests)
		}
		rows := readJSONL(t, job.Outputs[0])
		if e, _ := rows[1]["error"].(string); !strings.Contains(e, "input limit of 100") {
			t.Fatalf("row %v: want an error naming the input limit", rows[1])
		}
	})
}
