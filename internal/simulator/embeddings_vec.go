package simulator

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// EmbeddingFor returns the vector the simulator answers for the text input
// text at dims dimensions: a unit vector (Euclidean norm 1, as OpenAI's
// are) that is a pure function of text and dims, so tests can predict
// answers. Different texts give nearly orthogonal vectors. Like
// text-embedding-3's shortened vectors, the one for fewer dims is the
// longer one's prefix renormalised. It returns nil for dims <= 0. Cost:
// one SHA-256 of text plus a few nanoseconds a dimension.
func EmbeddingFor(text string, dims int) []float32 {
	return unitVector(sha256.Sum256([]byte("text|"+text)), dims)
}

// EmbeddingForTokens is [EmbeddingFor] for an input sent as a token array:
// the simulator does not decode tokens, so its vector is derived from the
// ids and differs from that of the text they spell.
func EmbeddingForTokens(ids []int64, dims int) []float32 {
	var b strings.Builder
	b.WriteString("tokens|")
	for _, id := range ids {
		b.WriteString(strconv.FormatInt(id, 10))
		b.WriteByte(',')
	}
	return unitVector(sha256.Sum256([]byte(b.String())), dims)
}

// unitVector draws dims components uniform in [-1, 1) from a ChaCha8
// stream seeded with seed (whose output Go documents as stable) and scales
// them to norm 1. Explicit conversions keep the compiler from fusing
// multiply-adds, so every platform computes the same floats.
func unitVector(seed [32]byte, dims int) []float32 {
	if dims <= 0 {
		return nil
	}
	rng := rand.NewChaCha8(seed)
	raw := make([]float64, dims)
	var sum float64
	for i := range raw {
		x := float64(int64(rng.Uint64())) / (1 << 63)
		raw[i] = x
		sum += float64(x * x)
	}
	norm := math.Sqrt(sum)
	v := make([]float32, dims)
	for i, x := range raw {
		v[i] = float32(x / norm)
	}
	return v
}

// appendFloatBytes appends v as encoding_format=base64 carries it before
// encoding: little-endian float32s.
func appendFloatBytes(b []byte, v []float32) []byte {
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}
