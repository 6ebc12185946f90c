package simulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkEmbeddings serves one full request: 2048 short inputs at the
// default 1536 dimensions, in each encoding.
func BenchmarkEmbeddings(b *testing.B) {
	inputs := make([]string, 2048)
	for i := range inputs {
		inputs[i] = fmt.Sprintf(`"row %d of the benchmark"`, i)
	}
	for _, format := range []string{"float", "base64"} {
		b.Run(format, func(b *testing.B) {
			s := New(Config{Sleep: noSleep})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				// A different body each time: no attempt counting effects.
				body := fmt.Sprintf(`{"model":"text-embedding-3-small","encoding_format":%q,"user":"%d","input":[%s]}`,
					format, i, strings.Join(inputs, ","))
				w := httptest.NewRecorder()
				s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, embedPath, strings.NewReader(body)))
				if w.Code != 200 {
					b.Fatalf("%d %.200s", w.Code, w.Body)
				}
				b.SetBytes(int64(w.Body.Len()))
			}
		})
	}
}
