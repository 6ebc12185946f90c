package simulator

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/batchprompt/batchprompt/budget"
)

// modelLimits returns model's default output cap and input context window
// from package budget's price table, and whether the table knows the model.
// Unknown models get budget.FallbackMaxOutput as the default cap and no limits
// enforced (contextWindow 0), since a user's own server may serve anything.
func (s *Server) modelLimits(model string) (maxOutput, contextWindow int64, known bool) {
	pr, ok := s.prices.Lookup(model)
	if !ok || pr.MaxOutput <= 0 {
		return budget.FallbackMaxOutput, pr.ContextWindow, false
	}
	return pr.MaxOutput, pr.ContextWindow, true
}

// allowed reports whether model passes the allow-list (nil = all).
func (s *Server) allowed(model string) bool {
	if s.cfg.Models == nil {
		return true
	}
	for _, m := range s.cfg.Models {
		if strings.EqualFold(m, model) {
			return true
		}
	}
	return false
}

// defaultModelList is what GET /v1/models lists without an allow-list.
func defaultModelList() []string {
	return []string{"gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5-mini", "o4-mini"}
}

type modelObject struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// serveModels answers GET /v1/models with the allow-list or a default list.
func (s *Server) serveModels(w http.ResponseWriter) {
	names := s.cfg.Models
	if names == nil {
		names = defaultModelList()
	}
	list := struct {
		Object string        `json:"object"`
		Data   []modelObject `json:"data"`
	}{Object: "list", Data: make([]modelObject, 0, len(names))}
	for _, n := range names {
		list.Data = append(list.Data, modelObject{ID: n, Object: "model", Created: 1700000000, OwnedBy: "openai"})
	}
	b, _ := json.Marshal(list) // only strings and ints: cannot fail
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
}
