package jsonschema

import (
	"math/rand/v2"
	"testing"
)

// The per-row costs the pipeline pays: Validate and Decode run once per
// answer; Check and Columns once per job.

func BenchmarkValidate(b *testing.B) {
	s, _ := Parse([]byte(reviewSchema))
	answer, _ := s.Example(rand.New(rand.NewPCG(1, 1)))
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		if err := s.Validate(answer); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	s, _ := Parse([]byte(reviewSchema))
	cols, _ := s.Columns()
	answer, _ := s.Example(rand.New(rand.NewPCG(1, 1)))
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		if _, err := Decode(cols, answer); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	for b.Loop() {
		if err := Check([]byte(reviewSchema)); err != nil {
			b.Fatal(err)
		}
	}
}
