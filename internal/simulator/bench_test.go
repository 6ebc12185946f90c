package simulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkServeChat measures one in-process chat completion (parse,
// count, generate, marshal) without HTTP transport.
func BenchmarkServeChat(b *testing.B) {
	s := New(Config{Sleep: noSleep})
	bodies := make([]string, 256)
	for i := range bodies {
		bodies[i] = simpleBody(fmt.Sprintf("Classify the sentiment of review number %d: the product was fine, shipping slow.", i), "")
	}
	b.ReportAllocs()
	b.ResetTimer()
	var i atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := bodies[i.Add(1)%int64(len(bodies))]
			r := httptest.NewRequest(http.MethodPost, chatPath, strings.NewReader(body))
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}

// BenchmarkHTTPChat measures a full round trip over a loopback socket.
func BenchmarkHTTPChat(b *testing.B) {
	s := New(Config{Sleep: noSleep})
	ts := httptest.NewServer(s)
	defer ts.Close()
	client := ts.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	body := simpleBody("Classify the sentiment: fine product, slow shipping.", "")
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(ts.URL+chatPath, "application/json", strings.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			_ = resp.Body.Close()
		}
	})
}
