package writers

import (
	"testing"

	"github.com/batchprompt/batchprompt/internal/coltype"
)

func TestDecimalValue(t *testing.T) {
	d := func(p, s int) coltype.Type { return coltype.Type{Kind: coltype.Decimal, Precision: p, Scale: s} }
	for _, tc := range []struct {
		in   string
		t    coltype.Type
		want int64 // unscaled
		err  bool
	}{
		{"1.50", d(10, 2), 150, false},
		{"-0.05", d(10, 2), -5, false},
		{"0", d(4, 1), 0, false},
		{"-0.00", d(4, 2), 0, false},
		{"12345678.90", d(10, 2), 1234567890, false},
		{"1.5", d(10, 2), 150, false}, // fewer digits than the scale
		{"7", d(9, 0), 7, false},
		{"1e2", d(10, 2), 10000, false}, // an exponent takes the exact path
		{"999999999999999999", d(18, 0), 999999999999999999, false},
		{"-99.9", d(3, 1), -999, false},
		{"1.234", d(10, 2), 0, true},     // more fractional digits than the scale
		{"1000.0", d(4, 1), 0, true},     // more digits than the precision
		{"abc", d(10, 2), 0, true},       // not a number
		{"1.5", d(4, 1), 15, false},      // INT32
		{"-1.25", d(12, 2), -125, false}, // INT64
	} {
		v, err := decimalValue(tc.t, tc.in)
		if (err != nil) != tc.err {
			t.Errorf("decimalValue(%s, %q): err %v, want error %v", tc.t, tc.in, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		got := v.Int64()
		if tc.t.Precision <= 9 {
			got = int64(v.Int32())
		}
		if got != tc.want {
			t.Errorf("decimalValue(%s, %q) = %d, want %d", tc.t, tc.in, got, tc.want)
		}
	}
}
