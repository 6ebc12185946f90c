package simulator

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchprompt/batchprompt/budget"
)

const (
	englishText = "Summarise this review in one sentence: the kettle boils water remarkably quickly, although the lid " +
		"rattles constantly and the handle becomes uncomfortably hot after several minutes of continuous use."
	cjkText = "このケトルはすぐに沸きますが、蓋がカタカタ鳴り、数分使うと取っ手が熱くなります。"
)

// remaining reads the x-ratelimit-remaining-* headers of an answer.
func remaining(t *testing.T, w *httptest.ResponseRecorder) (requests, tokens int64) {
	t.Helper()
	parse := func(name string) int64 {
		v := w.Header().Get(name)
		if v == "" {
			return -1
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("%s %q: %v", name, v, err)
		}
		return n
	}
	return parse("x-ratelimit-remaining-requests"), parse("x-ratelimit-remaining-tokens")
}

func promptUsage(t *testing.T, w *httptest.ResponseRecorder) int64 {
	t.Helper()
	var r struct {
		Usage struct {
			PromptTokens int64 `json:"prompt_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
		t.Fatalf("answer %q: %v", w.Body, err)
	}
	return r.Usage.PromptTokens
}

// TestTPMChargeModes checks what one request takes from the TPM limit
// under each charge, on text where the character estimate runs high
// (English) and low (Japanese) against tiktoken, and that usage is the
// exact tiktoken count either way.
func TestTPMChargeModes(t *testing.T) {
	const tpm, maxTokens = 1_000_000, 100
	counter := budget.NewCounter()
	for _, text := range []struct {
		name, user   string
		charsAreMore bool
	}{{"english", englishText, true}, {"japanese", cjkText, false}} {
		msgs := []budget.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: text.user}}
		exact := int64(counter.Chat("gpt-4o-mini", msgs))
		// ceil(bytes/4) of both contents, 4 per message, then the cap.
		chars := (int64(len("Be brief.")+len(text.user))+3)/4 + 2*4 + maxTokens
		if (chars > exact+maxTokens) != text.charsAreMore || chars == exact+maxTokens {
			t.Fatalf("%s: char charge %d vs tiktoken %d: the text does not show the difference", text.name, chars, exact+maxTokens)
		}
		for _, mode := range []struct {
			charge string
			want   int64
		}{{"", chars}, {TPMChargeChars, chars}, {TPMChargeTiktoken, exact + maxTokens}} {
			t.Run(text.name+"/"+mode.charge, func(t *testing.T) {
				s := New(Config{Sleep: noSleep, Now: newFakeClock().Now, TPM: tpm, TPMCharge: mode.charge})
				body := simpleBody(text.user, `"max_tokens":`+strconv.Itoa(maxTokens))
				for i := range int64(2) {
					w := post(t, s, chatPath, body)
					if w.Code != 200 {
						t.Fatalf("status %d: %s", w.Code, w.Body)
					}
					if _, tok := remaining(t, w); tok != tpm-(i+1)*mode.want {
						t.Errorf("request %d: remaining-tokens %d, want %d", i, tok, tpm-(i+1)*mode.want)
					}
					if got := promptUsage(t, w); got != exact {
						t.Errorf("usage.prompt_tokens %d, want the exact count %d", got, exact)
					}
				}
			})
		}
	}
}

// TestCharChargeCountsChoices checks that n choices reserve n output caps.
func TestCharChargeCountsChoices(t *testing.T) {
	s := New(Config{Sleep: noSleep, Now: newFakeClock().Now, TPM: 1_000_000})
	w := post(t, s, chatPath, simpleBody("abcd", `"max_tokens":50,"n":3`))
	// "Be brief." + "abcd" = 13 bytes: 4 tokens, 8 for two messages, 3 × 50.
	if _, tok := remaining(t, w); tok != 1_000_000-(4+8+150) {
		t.Errorf("remaining-tokens %d, want %d", tok, 1_000_000-(4+8+150))
	}
}

// TestForeignLoad runs another user on the key at half of each limit:
// remaining falls faster than the client's own sends explain, a full bucket
// stays full while the other user leaves room, and SetForeignLoad stops it.
func TestForeignLoad(t *testing.T) {
	clk := newFakeClock()
	// 10 requests/s and 1000 tokens/s, 5 s buckets (50 requests, 5000
	// tokens); the other user takes 5 requests/s and 500 tokens/s.
	s := New(Config{Sleep: noSleep, Now: clk.Now, RPM: 600, TPM: 60_000, ForeignRPM: 300, ForeignTPM: 30_000})
	body := simpleBody("x", `"max_tokens":200`)
	const c = 3 + 8 + 200 // "Be brief." + "x" = 10 bytes: 3 tokens; 2 messages; the cap
	send := func() (int64, int64) {
		t.Helper()
		w := post(t, s, chatPath, body)
		if w.Code != 200 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		return remaining(t, w)
	}

	send()
	// Idle for a minute: the other user alone leaves the buckets full.
	clk.Advance(time.Minute)
	if req, tok := send(); req != 599 || tok != 60_000-c {
		t.Fatalf("after a minute: remaining %d requests, %d tokens; want 599, %d", req, tok, 60_000-c)
	}
	for range 19 {
		send()
	}
	// 20 sent: 30 requests and 5000-20c tokens left in the buckets. Two
	// seconds refill 10 requests and 1000 tokens net, not 20 and 2000.
	clk.Advance(2 * time.Second)
	req, tok := send()
	if wantTok := int64(60_000 - 5000 + (5000 - 21*c + 1000)); req != 600-50+(30+10-1) || tok != wantTok {
		t.Errorf("under foreign load: remaining %d requests, %d tokens; want %d, %d", req, tok, 600-50+39, wantTok)
	}

	// Half a second more at the old load, then stopped: half a second at
	// the full rate.
	clk.Advance(500 * time.Millisecond)
	s.SetForeignLoad(0, 0)
	clk.Advance(500 * time.Millisecond)
	req, tok = send()
	// 39 + 2.5 + 5 - 1 = 45.5 requests in the bucket: remaining 595.
	if wantTok := int64(60_000 - 5000 + (5000 - 22*c + 1000 + 250 + 500)); req != 595 || tok != wantTok {
		t.Errorf("after stopping it: remaining %d requests, %d tokens; want 595, %d", req, tok, wantTok)
	}
}

// TestForeignLoadAboveLimit checks that another user asking for more than
// the limit empties the bucket without driving it into debt, and that the
// client is told to wait, not refused forever.
func TestForeignLoadAboveLimit(t *testing.T) {
	clk := newFakeClock()
	s := New(Config{Sleep: noSleep, Now: clk.Now, RPM: 600, ForeignRPM: 1200})
	if w := post(t, s, chatPath, simpleBody("x", "")); w.Code != 200 {
		t.Fatalf("first request: %d", w.Code)
	}
	clk.Advance(time.Minute)
	w := post(t, s, chatPath, simpleBody("x", ""))
	if w.Code != 429 {
		t.Fatalf("status %d, want 429", w.Code)
	}
	if req, _ := remaining(t, w); req != 600-50 {
		t.Errorf("remaining-requests %d, want %d (an empty bucket, no debt)", req, 600-50)
	}
	if got := w.Header().Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After %q, want 60", got)
	}
	s.SetForeignLoad(0, 0)
	clk.Advance(200 * time.Millisecond)
	if w := post(t, s, chatPath, simpleBody("x", "")); w.Code != 200 {
		t.Errorf("after the other user stopped: status %d", w.Code)
	}
}

// TestRequestLogCharge checks that the request log carries what each
// request took from the TPM bucket, so a benchmark can measure the server's
// own count, and 0 for a refused request.
func TestRequestLogCharge(t *testing.T) {
	var log bytes.Buffer
	s := New(Config{Sleep: noSleep, Now: newFakeClock().Now, RPM: 1, TPM: 1_000_000, RequestLog: &log})
	w := post(t, s, chatPath, simpleBody(cjkText, `"max_tokens":100`))
	_, tok := remaining(t, w)
	if w = post(t, s, chatPath, simpleBody(cjkText, `"max_tokens":100`)); w.Code != 429 {
		t.Fatalf("second request at 1 RPM: status %d", w.Code)
	}
	var charges []int64
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var l struct {
			Charge *int64 `json:"tpm_charge"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil || l.Charge == nil {
			t.Fatalf("log line %q: %v, tpm_charge missing", line, err)
		}
		charges = append(charges, *l.Charge)
	}
	if len(charges) != 2 || charges[0] != 1_000_000-tok || charges[1] != 0 {
		t.Errorf("logged charges %v, want [%d 0]", charges, 1_000_000-tok)
	}
}
