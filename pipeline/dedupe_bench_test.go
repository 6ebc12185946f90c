package pipeline

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/respcache"
	"github.com/batchprompt/batchprompt/readers"
)

// BenchmarkRunFromCache measures a job whose every row (BENCH_CACHE_ROWS,
// default 1,000,000) is answered by the response cache: nothing is sent,
// so the figure is what the cache costs per row on top of reading,
// rendering, routing, committing and writing the outputs. It reports
// rows/s and the process's peak RSS (VmHWM), read before and after the
// run so the cache's filling shows apart.
//
//	go test -run '^$' -bench RunFromCache -benchtime 1x ./pipeline/
func BenchmarkRunFromCache(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("BENCH_CACHE_ROWS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	dir := b.TempDir()
	in := writeReviewsCSV(b, dir, n)
	job := Job{Input: in, Outputs: []string{filepath.Join(dir, "o.jsonl")}, Template: "Summarise: {{.text}}",
		Model: "gpt-4o-mini", IDColumn: "id", State: filepath.Join(dir, "s.db")}
	opt := Options{Endpoint: Endpoint{BaseURL: "http://sim.invalid/v1"}, Cache: filepath.Join(dir, "cache.db"),
		HTTPClient: &http.Client{Transport: failTransport{b}}}
	setup := time.Now()
	if err := seedCache(job, opt, n); err != nil {
		b.Fatal(err)
	}
	before := vmHWM()
	b.Logf("cached %d answers in %v; peak RSS %d MiB", n, time.Since(setup).Round(time.Millisecond), before>>20)
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	s, err := Run(context.Background(), job, opt)
	el, cpu := time.Since(start), cpuTime()-cpu
	b.StopTimer()
	if err != nil || s.Stop != Completed || s.Saved.CacheHits != int64(n) || s.Requests != 0 {
		b.Fatalf("stop=%v hits=%d requests=%d err=%v %v", s.Stop, s.Saved.CacheHits, s.Requests, s.Err, err)
	}
	// Wall time depends on what else the machine runs; CPU time per row
	// does not.
	b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-us/row")
	b.ReportMetric(float64(vmHWM()>>20), "peak-RSS-MiB")
}

// BenchmarkCacheLookup measures the cache's look-up per row, as route
// makes it: batches of 128 keys against a cache of 200,000 answers.
func BenchmarkCacheLookup(b *testing.B) {
	ctx := context.Background()
	c, err := respcache.Open(ctx, filepath.Join(b.TempDir(), "cache.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	const stored = 200_000
	keys := make([]respcache.Key, stored)
	var batch []respcache.Entry
	for i := range keys {
		keys[i] = respcache.KeyOf("api.openai.com", "/v1/chat/completions?", strconv.Itoa(i))
		batch = append(batch, respcache.Entry{Key: keys[i], Answer: respcache.Answer{Model: "gpt-4o-mini",
			Output: "an answer of about this length, like a summary would be", PromptTokens: 20, CompletionTokens: 12}})
		if len(batch) == 5000 {
			if err := c.Put(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	keyer := respcache.NewKeyer(func(string) string { return "https://api.openai.com/v1/chat/completions" })
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		at := (i * 128) % (stored - 128)
		for j := range 128 {
			keyer.Key("gpt-4o-mini", strconv.Itoa(at+j)) // the key's cost is part of the look-up
		}
		hits, err := c.Get(ctx, keys[at:at+128])
		if err != nil || len(hits) != 128 {
			b.Fatalf("%d hits, %v", len(hits), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*128), "ns/row")
	b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*128), "cpu-ns/row")
}

// seedCache stores an answer for every row of job's input under the key
// Run will look up.
func seedCache(job Job, opt Options, n int) error {
	ctx := context.Background()
	c, err := respcache.Open(ctx, opt.Cache)
	if err != nil {
		return err
	}
	defer c.Close()
	r, err := request.New(job.requestConfig(false, nil))
	if err != nil {
		return err
	}
	in, err := readers.Open(job.Input, readers.Options{})
	if err != nil {
		return err
	}
	defer in.Close()
	keyer := respcache.NewKeyer(client.NewClient(opt.Endpoint, nil, 0).URL)
	batch := make([]respcache.Entry, 0, 5000)
	for seq := int64(0); seq < int64(n); seq++ {
		rec, err := in.Next(ctx)
		if err != nil {
			return err
		}
		p := r.Render(rec, seq)
		batch = append(batch, respcache.Entry{Key: keyer.Key(p.Model, p.Hash), Answer: respcache.Answer{Model: job.Model,
			Output: "an answer of about this length, like a summary would be", FinishReason: "stop",
			PromptTokens: 20, CompletionTokens: 12, Stored: time.Now()}})
		if len(batch) == cap(batch) {
			if err := c.Put(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return c.Put(ctx, batch)
}

// failTransport fails the benchmark on any request: a cached job sends none.
type failTransport struct{ b *testing.B }

func (f failTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.b.Error("a request was sent")
	return nil, http.ErrNotSupported
}
