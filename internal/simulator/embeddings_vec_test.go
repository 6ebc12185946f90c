package simulator

import (
	"fmt"
	"math"
	"testing"
)

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestEmbeddingForIsAUnitVectorOfTheText(t *testing.T) {
	for _, dims := range []int{1, 2, 256, 1536, 3072} {
		a, b := EmbeddingFor("hello", dims), EmbeddingFor("hello", dims)
		if len(a) != dims || math.Abs(norm(a)-1) > 1e-6 {
			t.Fatalf("dims %d: length %d, norm %v", dims, len(a), norm(a))
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("dims %d: two calls differ", dims)
		}
	}
	if EmbeddingFor("x", 0) != nil || EmbeddingFor("x", -3) != nil {
		t.Error("dims <= 0 should give nil")
	}
}

func TestEmbeddingForDistinguishesInputs(t *testing.T) {
	a, b := EmbeddingFor("hello", 1536), EmbeddingFor("hello!", 1536)
	var dot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
	}
	if math.Abs(dot) > 0.2 { // independent random unit vectors: |cos| ~ 1/sqrt(1536)
		t.Errorf("cosine of different texts %v, want near 0", dot)
	}
	tok := EmbeddingForTokens([]int64{15339}, 8)
	if fmt.Sprint(tok) == fmt.Sprint(EmbeddingFor("15339", 8)) || fmt.Sprint(tok) == fmt.Sprint(EmbeddingForTokens([]int64{15339, 0}, 8)) {
		t.Error("token arrays collide with texts or with longer arrays")
	}
}

// Like text-embedding-3 with `dimensions`, a shorter vector is the longer
// one's prefix, renormalised.
func TestEmbeddingForShortensLikeMatryoshka(t *testing.T) {
	long, short := EmbeddingFor("doc", 1536), EmbeddingFor("doc", 256)
	scale := norm(long[:256])
	for i := range short {
		if want := float64(long[i]) / scale; math.Abs(float64(short[i])-want) > 1e-6 {
			t.Fatalf("component %d: %v, want %v", i, short[i], want)
		}
	}
}

// The vectors are part of the simulator's contract (tests elsewhere may
// pin them), so a change in the generator must be deliberate.
func TestEmbeddingForGolden(t *testing.T) {
	got := fmt.Sprint(EmbeddingFor("hello", 4))
	if want := "[0.15890704 -0.48189825 -0.8560243 -0.09871694]"; got != want {
		t.Errorf("EmbeddingFor(\"hello\", 4) = %s, want %s", got, want)
	}
}
