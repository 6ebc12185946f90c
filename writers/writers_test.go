package writers

import (
	"encoding/json"
	"strings"
	"testing"
)

var allFormats = []string{"jsonl", "csv", "tsv", "parquet"}

func f64(v float64) *float64 { return &v }

// tricky holds strings that break naive writers.
var tricky = []string{
	"",
	"plain",
	`say "hi", then leave`,
	"line1\nline2",
	"crlf\r\nkept",
	"lone\rcr",
	"tab\there",
	" leading space",
	`\.`,
	"back\\slash",
	"日本語のテキスト",
	"emoji 🎉👩‍👩‍👧",
	"ctrl \x00\x01\x1f\x7f",
	"u2028 \u2028 u2029 \u2029",
	"<html>&amp;</html>",
}

// invalid is not UTF-8; every format must write it with U+FFFD per bad byte.
const invalid = "bad \xff\xfe utf8 \xe6\x97"

func TestFormatsContent(t *testing.T) {
	okRow := Row{
		ID: "a-1", Output: "hello", FinishReason: "stop", Model: "gpt-4o-mini",
		PromptTokens: 12, CompletionTokens: 3, CachedTokens: 0, ReasoningTokens: 0,
		CostUSD: f64(0.0000123), LatencyMS: 840, Attempts: 1, ServedFrom: "api",
	}
	tests := []struct {
		name   string
		schema Schema
		rows   []Row
		want   table // as JSON shows it: nil is null
	}{
		{
			name:   "zero rows",
			schema: Schema{IDColumn: "id", Keep: []string{"q"}},
			want: table{cols: []string{"id", "q", "output", "finish_reason", "model", "prompt_tokens", "completion_tokens",
				"cached_tokens", "reasoning_tokens", "cost_usd", "latency_ms", "attempts", "error", "served_from"}},
		},
		{
			name:   "success, error and unpriced rows",
			schema: Schema{IDColumn: "id", Keep: []string{"q", "lang"}},
			rows: []Row{
				withKept(okRow, Value{Text: "what?"}, Value{Null: true}),
				{ID: "a-2", Kept: []Value{{Text: ""}, {Text: "fr"}}, Output: "", FinishReason: "length", Model: "m",
					CostUSD: f64(0), Attempts: 2, ServedFrom: "duplicate"},
				{ID: "a-3", Kept: []Value{{Null: true}, {Null: true}}, Output: "ignored", FinishReason: "ignored",
					Attempts: 5, LatencyMS: 12, Error: "400 invalid_request_error: bad prompt"},
				{ID: "a-4", Kept: []Value{{Text: "x"}, {Text: "y"}}, Model: "gpt-x", PromptTokens: 7, Error: "timeout"},
			},
			want: table{
				cols: []string{"id", "q", "lang", "output", "finish_reason", "model", "prompt_tokens", "completion_tokens",
					"cached_tokens", "reasoning_tokens", "cost_usd", "latency_ms", "attempts", "error", "served_from"},
				rows: [][]*string{
					cells("a-1", "what?", nil, "hello", "stop", "gpt-4o-mini", "12", "3", "0", "0", "0.0000123", "840", "1", nil, "api"),
					cells("a-2", "", "fr", "", "length", "m", "0", "0", "0", "0", "0", "0", "2", nil, "duplicate"),
					cells("a-3", nil, nil, nil, nil, nil, "0", "0", "0", "0", nil, "12", "5", "400 invalid_request_error: bad prompt", nil),
					cells("a-4", "x", "y", nil, nil, "gpt-x", "7", "0", "0", "0", nil, "0", "0", "timeout", nil),
				},
			},
		},
		{
			name:   "row number id and non-finite cost",
			schema: Schema{RowNumberID: true},
			rows: []Row{
				{ID: "0", Output: "a", CostUSD: f64(1e21), Attempts: 1},
				{ID: "41", Output: "b", CostUSD: f64(nan()), Attempts: 1},
			},
			want: table{
				cols: []string{"row", "output", "finish_reason", "model", "prompt_tokens", "completion_tokens",
					"cached_tokens", "reasoning_tokens", "cost_usd", "latency_ms", "attempts", "error", "served_from"},
				rows: [][]*string{
					cells("0", "a", "", "", "0", "0", "0", "0", "1000000000000000000000", "0", "1", nil, nil),
					cells("41", "b", "", "", "0", "0", "0", "0", nil, "0", "1", nil, nil),
				},
			},
		},
		{
			name:   "odd column names",
			schema: Schema{IDColumn: "a.b", Keep: []string{"", " ", "x,y", "\"q\""}},
			rows:   []Row{{ID: "1", Kept: []Value{{Text: "e"}, {Text: "s"}, {Null: true}, {Text: "q"}}, Output: "o"}},
			want: table{
				cols: []string{"a.b", "", " ", "x,y", "\"q\"", "output", "finish_reason", "model", "prompt_tokens",
					"completion_tokens", "cached_tokens", "reasoning_tokens", "cost_usd", "latency_ms", "attempts", "error", "served_from"},
				rows: [][]*string{cells("1", "e", "s", nil, "q", "o", "", "", "0", "0", "0", "0", nil, "0", "0", nil, nil)},
			},
		},
		trickyCase(),
	}
	for _, tt := range tests {
		for _, format := range allFormats {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				data := writeAll(t, format, tt.schema, tt.rows)
				cols, err := tt.schema.Columns()
				if err != nil {
					t.Fatal(err)
				}
				got := decode(t, format, data, cols)
				want := tt.want
				if format == "csv" || format == "tsv" {
					want = want.csvView()
				}
				if d := diff(got, want); d != "" {
					t.Errorf("content differs: %s", d)
				}
			})
		}
	}
}

// trickyCase puts every tricky string in every text column, and invalid
// UTF-8 in the column names too.
func trickyCase() (tc struct {
	name   string
	schema Schema
	rows   []Row
	want   table
}) {
	tc.name = "tricky strings"
	tc.schema = Schema{IDColumn: "my id, \"quoted\"", Keep: []string{"k\n1", "名前", invalid}}
	tc.want.cols = []string{"my id, \"quoted\"", "k\n1", "名前", strings.ToValidUTF8(invalid, "\uFFFD"), "output", "finish_reason",
		"model", "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens", "cost_usd", "latency_ms", "attempts", "error", "served_from"}
	// strings.ToValidUTF8 collapses runs; the writers replace per byte.
	tc.want.cols[3] = "bad \uFFFD\uFFFD utf8 \uFFFD\uFFFD"
	for _, s := range append(tricky, invalid) {
		want := s
		if s == invalid {
			want = "bad \uFFFD\uFFFD utf8 \uFFFD\uFFFD"
		}
		tc.rows = append(tc.rows,
			Row{ID: s, Kept: []Value{{Text: s}, {Text: s}, {Text: s}}, Output: s, FinishReason: s, Model: s, Attempts: 1},
			Row{ID: s, Kept: []Value{{Text: s}, {Null: true}, {Text: s}}, Error: "E:" + s},
		)
		tc.want.rows = append(tc.want.rows,
			cells(want, want, want, want, want, want, want, "0", "0", "0", "0", nil, "0", "1", nil, nil),
			cells(want, want, nil, want, nil, nil, nil, "0", "0", "0", "0", nil, "0", "0", "E:"+want, nil),
		)
	}
	return tc
}

func withKept(r Row, kept ...Value) Row { r.Kept = kept; return r }

func nan() float64 { var z float64; return z / z }

// cells builds a table row from strings and nils.
func cells(vals ...any) []*string {
	out := make([]*string, len(vals))
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[i] = ptr(s)
		}
	}
	return out
}

func TestJSONLGolden(t *testing.T) {
	s := Schema{RowNumberID: true, Keep: []string{"q"}}
	rows := []Row{
		{ID: "7", Kept: []Value{{Text: "a\"b"}}, Output: "", FinishReason: "stop", Model: "m", PromptTokens: 1,
			CostUSD: f64(0.5), LatencyMS: 3, Attempts: 1, ServedFrom: "cache"},
		{ID: "8", Kept: []Value{{Null: true}}, Error: "boom", Attempts: 3},
	}
	got := string(writeAll(t, "jsonl", s, rows))
	want := `{"row":7,"q":"a\"b","output":"","finish_reason":"stop","model":"m","prompt_tokens":1,"completion_tokens":0,"cached_tokens":0,"reasoning_tokens":0,"cost_usd":0.5,"latency_ms":3,"attempts":1,"error":null,"served_from":"cache"}` + "\n" +
		`{"row":8,"q":null,"output":null,"finish_reason":null,"model":null,"prompt_tokens":0,"completion_tokens":0,"cached_tokens":0,"reasoning_tokens":0,"cost_usd":null,"latency_ms":0,"attempts":3,"error":"boom","served_from":null}` + "\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range append(tricky, invalid, "\xed\xa0\x80", "\xf4\x90\x80\x80", strings.Repeat("é", 100)) {
		lit := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(lit, &back); err != nil {
			t.Errorf("%q: literal %s does not parse: %v", s, lit, err)
			continue
		}
		want, _ := json.Marshal(s) // encoding/json also replaces each bad byte
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q: decodes to %q, encoding/json gives %q", s, back, wantBack)
		}
		if back != validUTF8(s) {
			t.Errorf("%q: decodes to %q, validUTF8 gives %q", s, back, validUTF8(s))
		}
	}
}

func TestCSVLayout(t *testing.T) {
	s := Schema{IDColumn: "id"}
	rows := []Row{{ID: "1", Output: "a,b\r\nc", Attempts: 1, CostUSD: f64(0.00000001), ServedFrom: "api"}}
	got := string(writeAll(t, "csv", s, rows))
	want := "id,output,finish_reason,model,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,cost_usd,latency_ms,attempts,error,served_from\n" +
		"1,\"a,b\r\nc\",,,0,0,0,0,0.00000001,0,1,,api\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = string(writeAll(t, "tsv", s, nil))
	if want := strings.ReplaceAll(strings.SplitAfter(want, "\n")[0], ",", "\t"); got != want {
		t.Errorf("tsv header %q, want %q", got, want)
	}
}
