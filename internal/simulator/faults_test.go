package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func httpPost(ctx context.Context, url, body string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+chatPath, strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestFaultKinds(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, resp *http.Response, body []byte, err error)
		stat   func(FaultStats) int64
	}{
		{"500", Faults{Err500: 1}, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.StatusCode != 500 || !strings.Contains(string(body), `"type":"server_error"`) {
				t.Errorf("%v %v %s", err, resp, body)
			}
		}, func(f FaultStats) int64 { return f.Err500 }},
		{"502", Faults{Err502HTML: 1}, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.StatusCode != 502 || resp.Header.Get("Content-Type") != "text/html" || !strings.HasPrefix(string(body), "<html>") {
				t.Errorf("%v %v %s", err, resp, body)
			}
		}, func(f FaultStats) int64 { return f.Err502HTML }},
		{"503", Faults{Err503: 1}, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.StatusCode != 503 || !json.Valid(body) {
				t.Errorf("%v %v %s", err, resp, body)
			}
		}, func(f FaultStats) int64 { return f.Err503 }},
		{"reset", Faults{Reset: 1}, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err == nil {
				t.Errorf("want a connection error, got %v %s", resp.Status, body)
			}
		}, func(f FaultStats) int64 { return f.Reset }},
		{"truncated", Faults{Truncated: 1}, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.StatusCode != 200 || json.Valid(body) || !strings.HasPrefix(string(body), `{"id":"chatcmpl-`) {
				t.Errorf("%v %v %s", err, resp, body)
			}
		}, func(f FaultStats) int64 { return f.Truncated }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Sleep: noSleep, Faults: tt.faults, RPM: 100})
			ts := httptest.NewServer(s)
			defer ts.Close()
			resp, body, err := httpPost(context.Background(), ts.URL, simpleBody("fault", ""))
			tt.check(t, resp, body, err)
			if resp != nil && resp.Header.Get("x-ratelimit-limit-requests") != "100" {
				t.Errorf("rate headers missing on a fault: %v", resp.Header)
			}
			st := s.Stats()
			if tt.stat(st.Faults) != 1 || st.OK != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestFaultsThroughGoOpenAI(t *testing.T) {
	for _, tt := range []struct {
		faults Faults
		check  func(error) bool
	}{
		{Faults{Err500: 1}, func(err error) bool { var e *openai.APIError; return errors.As(err, &e) && e.HTTPStatusCode == 500 }},
		{Faults{Err502HTML: 1}, func(err error) bool { var e *openai.RequestError; return errors.As(err, &e) && e.HTTPStatusCode == 502 }},
		{Faults{Truncated: 1}, func(err error) bool { return err != nil }},
	} {
		s := New(Config{Sleep: noSleep, Faults: tt.faults})
		ts := httptest.NewServer(s)
		cfg := openai.DefaultConfig("k")
		cfg.BaseURL = ts.URL + "/v1"
		_, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
			Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}})
		if !tt.check(err) {
			t.Errorf("%+v: error %T %v", tt.faults, err, err)
		}
		ts.Close()
	}
}

func TestHang(t *testing.T) {
	hanging := make(chan struct{}, 1)
	s := New(Config{Sleep: noSleep, Faults: Faults{Hang: 1}})
	s.onHang = func() { hanging <- struct{}{} }
	ts := httptest.NewServer(s)
	defer ts.Close()
	defer s.Release()

	// The client gives up.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, _, err := httpPost(ctx, ts.URL, simpleBody("hang", "")); done <- err }()
	<-hanging
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("client error %v, want context.Canceled", err)
	}

	// The server is released: the connection closes without a response.
	go func() { _, _, err := httpPost(context.Background(), ts.URL, simpleBody("hang2", "")); done <- err }()
	<-hanging
	s.Release()
	if err := <-done; err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("client error %v, want a connection error", err)
	}
	if st := s.Stats(); st.Faults.Hang != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestFaultChoiceDeterministic(t *testing.T) {
	f := Faults{Err500: 0.2, Err502HTML: 0.1, Err503: 0.1, Reset: 0.05, Hang: 0.05, Truncated: 0.1}
	counts := map[faultKind]int{}
	const n = 4000
	for i := range n {
		h := hashBytes([]byte(fmt.Sprint(i)))
		k := f.choose(h, 1, 7)
		if k != f.choose(h, 1, 7) {
			t.Fatal("same inputs, different fault")
		}
		counts[k]++
	}
	want := map[faultKind]float64{faultNone: 0.4, fault500: 0.2, fault502HTML: 0.1, fault503: 0.1,
		faultReset: 0.05, faultHang: 0.05, faultTruncated: 0.1}
	for k, p := range want {
		if got := float64(counts[k]) / n; got < p-0.03 || got > p+0.03 {
			t.Errorf("%q: frequency %.3f, want about %.2f", k, got, p)
		}
	}
	// Attempts and seeds change the draw; zero probabilities never fire.
	h := hashBytes([]byte("x"))
	differs := false
	for a := int64(1); a < 50; a++ {
		differs = differs || f.choose(h, a, 7) != f.choose(h, 1, 7) || f.choose(h, a, 8) != f.choose(h, a, 7)
		if (Faults{}).choose(h, a, 7) != faultNone {
			t.Fatal("fault with zero probabilities")
		}
	}
	if !differs {
		t.Error("attempt number and seed never change the fault")
	}
}

func TestRetriesEventuallySucceed(t *testing.T) {
	s := New(Config{Sleep: noSleep, Faults: Faults{Err500: 0.5, Err503: 0.3}})
	for i := range 20 {
		body := simpleBody(fmt.Sprintf("row %d", i), "")
		ok := false
		for attempt := 0; attempt < 50 && !ok; attempt++ {
			ok = post(t, s, chatPath, body).Code == 200
		}
		if !ok {
			t.Fatalf("row %d never succeeded", i)
		}
	}
	if st := s.Stats(); st.OK != 20 || st.Faults.Err500+st.Faults.Err503 == 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestLatency(t *testing.T) {
	var mu sync.Mutex
	var slept []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
		return nil
	}
	s := New(Config{Sleep: sleep, Latency: 100 * time.Millisecond, LatencyJitter: 50 * time.Millisecond})
	post(t, s, chatPath, simpleBody("a", ""))
	post(t, s, chatPath, simpleBody("a", ""))
	post(t, s, chatPath, simpleBody("b", ""))
	if len(slept) != 3 || slept[0] != slept[1] || slept[0] == slept[2] {
		t.Fatalf("slept %v: same request must wait the same, others differ", slept)
	}
	for _, d := range slept {
		if d < 100*time.Millisecond || d >= 150*time.Millisecond {
			t.Errorf("latency %v outside [100ms, 150ms)", d)
		}
	}
	// A client that gives up during the latency gets nothing and nothing is counted OK.
	s = New(Config{Latency: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, chatPath, strings.NewReader(simpleBody("a", "")))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Body.Len() != 0 || s.Stats().OK != 0 {
		t.Errorf("cancelled request answered: %s", w.Body)
	}
}
