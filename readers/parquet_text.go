package readers

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
)

// This file renders Parquet values as text: times, floats, decimals,
// halves and JSON strings; parquet_value.go decides how each leaf converts.

// unixTime is ticks of unit since the Unix epoch, in UTC.
func unixTime(ticks int64, unit time.Duration) time.Time {
	switch unit {
	case time.Millisecond:
		return time.UnixMilli(ticks)
	case time.Microsecond:
		return time.UnixMicro(ticks)
	}
	return time.Unix(0, ticks)
}

// appendTime formats t in UTC with the layout for adjusted or local times.
func appendTime(b []byte, t time.Time, utc bool, local, adjusted string) []byte {
	if utc {
		return t.UTC().AppendFormat(b, adjusted)
	}
	return t.UTC().AppendFormat(b, local)
}

func hexEncode(dst, src []byte) {
	const digits = "0123456789abcdef"
	for i, c := range src {
		dst[2*i] = digits[c>>4]
		dst[2*i+1] = digits[c&15]
	}
}

// appendFloat writes the shortest text that reads back as the same value,
// in plain notation except for very small or large magnitudes, as
// encoding/json and JavaScript do: 0.1, 1.5, 1e-7, 1e+21.
func appendFloat(b []byte, f float64, bits int, jsonOut bool) []byte {
	switch {
	case math.IsNaN(f):
		return appendMaybeQuoted(b, "NaN", jsonOut)
	case math.IsInf(f, 1):
		return appendMaybeQuoted(b, "Infinity", jsonOut)
	case math.IsInf(f, -1):
		return appendMaybeQuoted(b, "-Infinity", jsonOut)
	}
	abs := math.Abs(f)
	fmtc := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmtc = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, fmtc, -1, bits)
	if fmtc == 'e' {
		// 1e-07 → 1e-7, as JavaScript writes it.
		if n := len(b); n-start >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func appendMaybeQuoted(b []byte, s string, quote bool) []byte {
	if quote {
		return append(append(append(b, '"'), s...), '"')
	}
	return append(b, s...)
}

// half decodes an IEEE 754 half-precision float (little-endian, as
// Parquet stores FLOAT16).
func half(p []byte) float32 {
	if len(p) < 2 {
		return float32(math.NaN())
	}
	h := binary.LittleEndian.Uint16(p)
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0:
		f := float32(frac) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

// appendDecimal writes an unscaled integer with the decimal point scale
// digits from the right, keeping trailing zeros (DECIMAL(10,2) 1.50 stays
// "1.50", as databases print it).
func appendDecimal(b []byte, v parquet.Value, scale int32) []byte {
	var digits []byte
	neg := false
	switch v.Kind() {
	case parquet.Int32, parquet.Int64:
		n := v.Int64()
		if v.Kind() == parquet.Int32 {
			n = int64(v.Int32())
		}
		if n < 0 {
			neg = true
			digits = strconv.AppendUint(nil, uint64(-(n+1))+1, 10)
		} else {
			digits = strconv.AppendUint(nil, uint64(n), 10)
		}
	default:
		raw := v.ByteArray()
		x := new(big.Int).SetBytes(raw)
		if len(raw) > 0 && raw[0]&0x80 != 0 { // two's complement negative
			x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(raw))))
		}
		neg = x.Sign() < 0
		digits = x.Abs(x).Append(nil, 10)
	}
	if neg {
		b = append(b, '-')
	}
	if scale <= 0 {
		b = append(b, digits...)
		for range -scale {
			b = append(b, '0')
		}
		return b
	}
	s := int(scale)
	if len(digits) <= s {
		b = append(b, '0', '.')
		for range s - len(digits) {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	b = append(b, digits[:len(digits)-s]...)
	b = append(b, '.')
	return append(b, digits[len(digits)-s:]...)
}

// appendJSONString appends s as a JSON string, escaping only what JSON
// requires (no HTML escaping: the text goes into prompts, not web pages).
// Invalid UTF-8 becomes U+FFFD, as encoding/json does.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
