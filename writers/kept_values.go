package writers

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/batchprompt/batchprompt/internal/coltype"
)

// leafValue converts the text of one value (as the readers print it: see
// the readers package doc) to a Parquet value of leaf type t. A value that
// does not read as t is an error naming both: the writer never guesses.
func leafValue(t coltype.Type, s string) (parquet.Value, error) {
	bad := func(err error) (parquet.Value, error) {
		return parquet.Value{}, fmt.Errorf("value %q is not a %s: %w", clipValue(s), t, err)
	}
	switch t.Kind {
	case coltype.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad(err)
		}
		return parquet.BooleanValue(b), nil
	case coltype.Int:
		return intValue(t, s)
	case coltype.Float:
		f, err := strconv.ParseFloat(s, t.Bits)
		if err != nil {
			return bad(err)
		}
		if t.Bits == 32 {
			return parquet.FloatValue(float32(f)), nil
		}
		return parquet.DoubleValue(f), nil
	case coltype.Decimal:
		return decimalValue(t, s)
	case coltype.Date:
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return bad(err)
		}
		return parquet.Int32Value(int32(floorDiv(d.Unix(), 86400))), nil
	case coltype.Time:
		d, err := time.Parse("15:04:05.999999999", strings.TrimSuffix(s, "Z"))
		if err != nil {
			return bad(err)
		}
		ticks := d.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)).Nanoseconds() / unitNanos(t.Unit)
		if t.Unit == "ms" {
			return parquet.Int32Value(int32(ticks)), nil
		}
		return parquet.Int64Value(ticks), nil
	case coltype.Timestamp:
		ts, err := parseTimestamp(s)
		if err != nil {
			return bad(err)
		}
		switch t.Unit {
		case "ms":
			return parquet.Int64Value(ts.UnixMilli()), nil
		case "ns":
			return parquet.Int64Value(ts.UnixNano()), nil
		}
		return parquet.Int64Value(ts.UnixMicro()), nil
	case coltype.UUID:
		u, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
		if err != nil || len(u) != 16 {
			return bad(fmt.Errorf("want 32 hex digits"))
		}
		return parquet.FixedLenByteArrayValue(u), nil
	}
	return parquet.ByteArrayValue(appendValidUTF8(nil, s)), nil
}

// intValue parses a decimal integer of t's width and sign.
func intValue(t coltype.Type, s string) (parquet.Value, error) {
	var n int64
	if t.Unsigned {
		u, err := strconv.ParseUint(s, 10, t.Bits)
		if err != nil {
			return parquet.Value{}, fmt.Errorf("value %q is not a %s: %w", clipValue(s), t, err)
		}
		n = int64(u) // Parquet stores unsigned values in the signed physical type
	} else {
		i, err := strconv.ParseInt(s, 10, t.Bits)
		if err != nil {
			return parquet.Value{}, fmt.Errorf("value %q is not a %s: %w", clipValue(s), t, err)
		}
		n = i
	}
	if t.Bits <= 32 {
		return parquet.Int32Value(int32(n)), nil
	}
	return parquet.Int64Value(n), nil
}

// decimalValue scales s (a decimal literal, exponent allowed) to t's
// unscaled integer in the physical type decimalPhysical chose. A value
// with more fractional digits than the scale, or more digits than the
// precision, is an error, not a rounding.
func decimalValue(t coltype.Type, s string) (parquet.Value, error) {
	if n, ok := smallDecimal(s, t); ok {
		if t.Precision <= 9 {
			return parquet.Int32Value(int32(n)), nil
		}
		return parquet.Int64Value(n), nil
	}
	bad := func(why string) (parquet.Value, error) {
		return parquet.Value{}, fmt.Errorf("value %q is not a %s: %s", clipValue(s), t, why)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return bad("not a number")
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Scale)), nil)))
	if !r.IsInt() {
		return bad("more fractional digits than the scale")
	}
	n := r.Num()
	if len(new(big.Int).Abs(n).String()) > t.Precision && n.Sign() != 0 {
		return bad("more digits than the precision")
	}
	switch {
	case t.Precision <= 9:
		return parquet.Int32Value(int32(n.Int64())), nil
	case t.Precision <= 18:
		return parquet.Int64Value(n.Int64()), nil
	}
	return parquet.FixedLenByteArrayValue(twosComplement(n, decimalBytes(t.Precision))), nil
}

// smallDecimal is the common case of decimalValue without big numbers: a
// plain literal (a sign, digits, a fraction of at most t.Scale digits, as
// the readers print decimals) whose unscaled value fits t.Precision <= 18
// digits. ok is false for anything else, which takes the exact path.
func smallDecimal(s string, t coltype.Type) (n int64, ok bool) {
	if t.Precision > 18 {
		return 0, false
	}
	body, neg := strings.CutPrefix(s, "-")
	whole, frac, _ := strings.Cut(body, ".")
	if whole == "" || len(frac) > t.Scale {
		return 0, false
	}
	digits := strings.TrimLeft(whole+frac, "0") + strings.Repeat("0", t.Scale-len(frac))
	if len(strings.TrimLeft(digits, "0")) > t.Precision {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	if digits == "" || strings.Trim(digits, "0") == "" {
		return 0, true
	}
	u, err := strconv.ParseUint(digits, 10, 63)
	if err != nil {
		return 0, false
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}

// twosComplement is n as size bytes of big-endian two's complement.
func twosComplement(n *big.Int, size int) []byte {
	b := make([]byte, size)
	if n.Sign() >= 0 {
		return n.FillBytes(b)
	}
	// -n = ^(n-1): the bytes of |n|-1, inverted.
	m := new(big.Int).Sub(new(big.Int).Neg(n), big.NewInt(1))
	m.FillBytes(b)
	for i := range b {
		b[i] = ^b[i]
	}
	return b
}

// parseTimestamp reads RFC 3339 with a zone, or the same without one (a
// wall-clock time, taken as UTC, as the readers print a TIMESTAMP that is
// not adjusted to UTC).
func parseTimestamp(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

func unitNanos(u string) int64 {
	switch u {
	case "ms":
		return int64(time.Millisecond)
	case "ns":
		return 1
	}
	return int64(time.Microsecond)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// clipValue shortens a value quoted in an error message.
func clipValue(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
