package jsonvalue

import "testing"

func TestParseAppendRoundTrip(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"b":1,"a":[true,null,"x"],"c":{"z":1.50,"y":-0}}`, `{"b":1,"a":[true,null,"x"],"c":{"z":1.50,"y":-0}}`},
		{` [ 1 , 2 ] `, `[1,2]`},
		{`{"k":1,"k":2,"j":3}`, `{"k":2,"j":3}`}, // a repeated key: first place, last value
		{`"a\u00e9"`, `"aé"`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
	} {
		v, err := Parse([]byte(tc.in))
		if err != nil {
			t.Fatalf("Parse(%s): %v", tc.in, err)
		}
		if got := string(Append(nil, v)); got != tc.want {
			t.Errorf("Append(Parse(%s)) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{``, `{`, `[1,]`, `1 2`, `{"a":1}x`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestKindOf(t *testing.T) {
	for in, want := range map[string]string{`1`: "an integer", `1.0`: "an integer", `1.5`: "a number", `"s"`: "a string",
		`true`: "a boolean", `null`: "null", `[]`: "an array", `{}`: "an object"} {
		v, err := Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if got := KindOf(v); got != want {
			t.Errorf("KindOf(%s) = %q, want %q", in, got, want)
		}
	}
}
