package embed

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
)

// EncodeVector returns v as the API's base64 encoding: little-endian
// float32s, base64 (standard alphabet, padded). The state database stores
// embeddings this way, 4/3 of 4 bytes a dimension, exactly the floats
// received.
func EncodeVector(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// AppendDecodeVector appends the floats of s, an [EncodeVector] string, to
// dst and returns the extended slice; dst may be reused across calls to
// avoid allocation.
func AppendDecodeVector(dst []float32, s string) ([]float32, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return dst, fmt.Errorf("embed: stored vector: %w", err)
	}
	if len(b)%4 != 0 {
		return dst, fmt.Errorf("embed: stored vector of %d bytes is not a whole number of float32s", len(b))
	}
	for i := 0; i < len(b); i += 4 {
		dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
	}
	return dst, nil
}
