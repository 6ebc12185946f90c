package rows

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/readers"
)

func TestRows(t *testing.T) {
	p := request.Request{Key: "id:7", Seq: 3, ID: "7", Hash: "h", Pos: readers.Position{File: "in.csv", Line: 5}}
	resp := &client.Response{Status: 200, Header: http.Header{"X-Request-Id": {"req_1"}}, Body: []byte(`{}`),
		Completion: openai.ChatCompletionResponse{Model: "gpt-4o-mini-2024-07-18", Usage: openai.Usage{PromptTokens: 1000, CompletionTokens: 500},
			Choices: []openai.ChatCompletionChoice{{Message: openai.ChatCompletionMessage{Content: "hi"}, FinishReason: "stop"}}}}
	price, _ := budget.DefaultPrices().Lookup("gpt-4o-mini")
	ok := OK(p, Model{Name: "gpt-4o-mini", Price: price, Priced: true}, resp, 2, 0, false)
	if ok.Status != checkpoint.StatusOK || ok.Output != "hi" || ok.Model != "gpt-4o-mini-2024-07-18" || ok.CostUSD == nil ||
		*ok.CostUSD != RoundUSD(price.Cost(budget.Usage{PromptTokens: 1000, CompletionTokens: 500})) || ok.RequestID != "req_1" || ok.ResponseBody != nil {
		t.Fatalf("ok row %+v", ok)
	}
	resp.NoUsage = true
	if r := OK(p, Model{Price: price, Priced: true}, resp, 1, 0, true); r.CostUSD != nil || r.ResponseBody == nil {
		t.Fatalf("an answer without usage must have an unknown cost: %+v", r)
	}
	he := &client.HTTPError{Status: 400, Header: http.Header{}, Body: []byte("bad")}
	f := Failed(p, 1, "http_400", "in.csv:5: bad", 0, he)
	if f.Status != checkpoint.StatusFailed || f.HTTPStatus != 400 || string(f.ResponseBody) != "bad" {
		t.Fatalf("failed row %+v", f)
	}
	g := GaveUp(p, 6, client.Class{Kind: "server_error"}, errors.New("HTTP 500"), 0)
	if g.Status != checkpoint.StatusPending || !strings.Contains(g.Error, "gave up after 6 attempts") {
		t.Fatalf("gave-up row %+v", g)
	}
	p.Err = &request.RowError{Kind: "render", Msg: "in.csv:5: template"}
	if u := Unsendable(p); u.ErrorKind != "render" || u.Position != p.Pos.String() {
		t.Fatalf("unsendable row %+v", u)
	}
}
