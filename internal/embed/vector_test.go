package embed

import (
	"math"
	"slices"
	"testing"
)

func TestVectorRoundTrip(t *testing.T) {
	for _, v := range [][]float32{{}, {1}, {0.1, -0.2, float32(math.SmallestNonzeroFloat32), math.MaxFloat32}} {
		got, err := AppendDecodeVector(nil, EncodeVector(v))
		if err != nil || !slices.Equal(got, v) && len(v) > 0 {
			t.Errorf("round trip of %v = %v, %v", v, got, err)
		}
	}
	if EncodeVector([]float32{1}) != b64(1) {
		t.Error("EncodeVector differs from the API's base64")
	}
	for _, bad := range []string{"!!", "AAAAAAA="} {
		if _, err := AppendDecodeVector(nil, bad); err == nil {
			t.Errorf("AppendDecodeVector(%q) accepted it", bad)
		}
	}
}
