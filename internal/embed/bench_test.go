package embed

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// BenchmarkDecodeResponse decodes a full request's answer: 2048 base64
// vectors of 1536 dimensions (about 16 MB of JSON).
func BenchmarkDecodeResponse(b *testing.B) {
	const n, dims = 2048, 1536
	rng := rand.New(rand.NewPCG(1, 2))
	items := make([]string, 0, 2*n)
	for i := range n {
		v := make([]float32, dims)
		for j := range v {
			v[j] = rng.Float32()*2 - 1
		}
		items = append(items, fmt.Sprint(i), q(b64(v...)))
	}
	body := []byte(answer(items...))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeResponse(body, n, dims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPacker packs one million short rows.
func BenchmarkPacker(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p, _ := NewPacker(Limits{})
		reqs := 0
		for i := range 1_000_000 {
			if r, _ := p.Add(Row{Seq: int64(i), Text: "x", Tokens: 50 + i%200}); r != nil {
				reqs++
			}
		}
		if p.Flush() != nil {
			reqs++
		}
		b.ReportMetric(float64(reqs), "requests")
	}
}

// BenchmarkTruncate cuts a 40k-token text to the 8192-token limit.
func BenchmarkTruncate(b *testing.B) {
	tr := NewTruncator("text-embedding-3-small")
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 4000)
	if _, err := tr.Truncate(text, 0); err != nil { // load the vocabulary outside the loop
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if c, _ := tr.Truncate(text, 0); !c.Cut {
			b.Fatal("not cut")
		}
	}
}
