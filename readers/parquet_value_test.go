package readers

import (
	"math"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		f        float64
		bits     int
		text, js string
	}{
		{0.1, 64, "0.1", "0.1"},
		{float64(float32(0.1)), 32, "0.1", "0.1"},
		{1e-7, 64, "1e-7", "1e-7"},
		{1e-6, 64, "0.000001", "0.000001"},
		{1e20, 64, "100000000000000000000", "100000000000000000000"},
		{1e21, 64, "1e+21", "1e+21"},
		{-2.5e-300, 64, "-2.5e-300", "-2.5e-300"},
		{0, 64, "0", "0"},
		{math.Copysign(0, -1), 64, "-0", "-0"},
		{math.NaN(), 64, "NaN", `"NaN"`},
		{math.Inf(1), 32, "Infinity", `"Infinity"`},
		{math.Inf(-1), 64, "-Infinity", `"-Infinity"`},
	}
	for _, tt := range tests {
		if got := string(appendFloat(nil, tt.f, tt.bits, false)); got != tt.text {
			t.Errorf("appendFloat(%v) = %q, want %q", tt.f, got, tt.text)
		}
		if got := string(appendFloat(nil, tt.f, tt.bits, true)); got != tt.js {
			t.Errorf("appendFloat(%v, json) = %q, want %q", tt.f, got, tt.js)
		}
	}
}

func TestAppendDecimal(t *testing.T) {
	tests := []struct {
		v     parquet.Value
		scale int32
		want  string
	}{
		{parquet.Int32Value(125), 2, "1.25"},
		{parquet.Int32Value(-5), 2, "-0.05"},
		{parquet.Int32Value(150), 2, "1.50"},
		{parquet.Int64Value(0), 3, "0.000"},
		{parquet.Int64Value(math.MinInt64), 0, "-9223372036854775808"},
		{parquet.Int64Value(42), -2, "4200"},
		{parquet.ByteArrayValue([]byte{0xff}), 1, "-0.1"},
		{parquet.ByteArrayValue([]byte{0x00, 0x80}), 2, "1.28"},
		{parquet.ByteArrayValue(nil), 2, "0.00"},
	}
	for _, tt := range tests {
		if got := string(appendDecimal(nil, tt.v, tt.scale)); got != tt.want {
			t.Errorf("appendDecimal(%v, %d) = %q, want %q", tt.v, tt.scale, got, tt.want)
		}
	}
}

func TestHalf(t *testing.T) {
	tests := []struct {
		b    []byte
		want float32
	}{
		{[]byte{0x00, 0x3c}, 1},
		{[]byte{0x00, 0xc0}, -2},
		{[]byte{0x00, 0x38}, 0.5},
		{[]byte{0x01, 0x00}, 1.0 / (1 << 24)},
		{[]byte{0x00, 0x7c}, float32(math.Inf(1))},
	}
	for _, tt := range tests {
		if got := half(tt.b); got != tt.want {
			t.Errorf("half(% x) = %v, want %v", tt.b, got, tt.want)
		}
	}
	if !math.IsNaN(float64(half([]byte{1}))) {
		t.Error("short input is not NaN")
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a "b" \c`, `"a \"b\" \\c"`},
		{"line\nbreak\ttab\x01", `"line\nbreak\ttab\u0001"`},
		{"<html> & 日本 🎉", `"<html> & 日本 🎉"`},
		{"bad \xff byte", `"bad \ufffd byte"`},
	}
	for _, tt := range tests {
		if got := string(appendJSONString(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestLeafTimes(t *testing.T) {
	tests := []struct {
		c    leafConv
		v    parquet.Value
		want string
	}{
		{leafConv{kind: kDate}, parquet.Int32Value(19723), "2024-01-01"},
		{leafConv{kind: kTimestamp, unit: time.Millisecond, utc: true}, parquet.Int64Value(1704067200500), "2024-01-01T00:00:00.5Z"},
		{leafConv{kind: kTimestamp, unit: time.Microsecond}, parquet.Int64Value(1704067200000000), "2024-01-01T00:00:00"},
		{leafConv{kind: kTimestamp, unit: time.Nanosecond}, parquet.Int64Value(-1), "1969-12-31T23:59:59.999999999"},
		{leafConv{kind: kTime, unit: time.Millisecond}, parquet.Int32Value(3723500), "01:02:03.5"},
		{leafConv{kind: kTime, unit: time.Microsecond, utc: true}, parquet.Int64Value(0), "00:00:00Z"},
		{leafConv{kind: kBinary}, parquet.ByteArrayValue([]byte("text")), "text"},
		{leafConv{kind: kBinary}, parquet.ByteArrayValue([]byte{0xff, 0xfe}), "//4="},
	}
	for _, tt := range tests {
		if got := string(tt.c.appendText(nil, tt.v, false)); got != tt.want {
			t.Errorf("%+v of %v = %q, want %q", tt.c, tt.v, got, tt.want)
		}
	}
}
