package simulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// batchAPI is the state of the simulated Files and Batches APIs. Its zero
// value is ready: maps are made on first use. mu guards everything; it is
// never held while a batch's answers are being generated.
type batchAPI struct {
	mu       sync.Mutex
	files    map[string]*storedFile
	fileList []*storedFile // creation order, deleted ones included
	nextFile int64

	batches   []*batch // creation order
	byID      map[string]*batch
	nextBatch int64

	stats   BatchStats
	billed  map[string]int64 // custom_id → 200 answers billed
	carried map[string]int64 // custom_id → batches that carried it
}

// init makes the maps; a.mu must be held.
func (a *batchAPI) init() {
	if a.files == nil {
		a.files = make(map[string]*storedFile)
		a.byID = make(map[string]*batch)
		a.billed = make(map[string]int64)
		a.carried = make(map[string]int64)
	}
}

// isBatchAPIPath reports whether path (without a trailing slash) belongs
// to the Files or Batches API, with or without the /v1 prefix.
func isBatchAPIPath(path string) bool {
	rest := strings.TrimPrefix(path, "/v1")
	for _, root := range []string{"/files", "/batches"} {
		if rest == root || strings.HasPrefix(rest, root+"/") {
			return true
		}
	}
	return false
}

// serveBatchAPI routes the Files and Batches APIs: POST and GET /files,
// GET and DELETE /files/{id}, GET /files/{id}/content, POST and GET
// /batches, GET /batches/{id} and POST /batches/{id}/cancel.
func (s *Server) serveBatchAPI(w http.ResponseWriter, r *http.Request, path string) {
	if !s.authorised(r) {
		_, missing := bearer(r)
		s.writeError(w, limitState{}, "", errAuth(missing))
		return
	}
	parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(path, "/v1"), "/"), "/")
	method := r.Method
	switch {
	case parts[0] == "files" && len(parts) == 1 && method == http.MethodPost:
		s.uploadFile(w, r)
	case parts[0] == "files" && len(parts) == 1 && method == http.MethodGet:
		s.listFiles(w, r)
	case parts[0] == "files" && len(parts) == 2:
		s.serveFile(w, r, parts[1], false)
	case parts[0] == "files" && len(parts) == 3 && parts[2] == "content":
		s.serveFile(w, r, parts[1], true)
	case parts[0] == "batches" && len(parts) == 1 && method == http.MethodPost:
		s.createBatch(w, r)
	case parts[0] == "batches" && len(parts) == 1 && method == http.MethodGet:
		s.listBatches(w, r)
	case parts[0] == "batches" && len(parts) == 2 && method == http.MethodGet:
		s.retrieveBatch(w, r, parts[1])
	case parts[0] == "batches" && len(parts) == 3 && parts[2] == "cancel" && method == http.MethodPost:
		s.cancelBatch(w, r, parts[1])
	case len(parts) == 1 || (parts[0] == "batches" && (len(parts) == 2 || (len(parts) == 3 && parts[2] == "cancel"))):
		s.writeError(w, limitState{}, "", errMethod(method, r.URL.Path))
	default:
		s.writeError(w, limitState{}, "", errNotFound(method, r.URL.Path))
	}
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own plain types: cannot happen
		b = errServer().body()
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// simID derives the n-th id of a kind from the seed: deterministic, so a
// test can predict it, and distinct per kind and number.
func simID(seed int64, kind string, n int64) string {
	sum := sha256.Sum256([]byte(kind + "|" + strconv.FormatInt(n, 10) + "|" + strconv.FormatInt(seed, 10)))
	return hex.EncodeToString(sum[:12])
}

// pageLimit parses a list's limit parameter: def when empty, else an
// integer in [1, max].
func pageLimit(v string, def, max int) (int, *apiError) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, invalid(fmt.Sprintf("Invalid 'limit': expected an integer between 1 and %d, but got '%s' instead.", max, v),
			"limit", "invalid_value")
	}
	return n, nil
}

// page is OpenAI's cursor-paginated list.
type page[T any] struct {
	Object  string  `json:"object"`
	Data    []T     `json:"data"`
	FirstID *string `json:"first_id"`
	LastID  *string `json:"last_id"`
	HasMore bool    `json:"has_more"`
}

// paginate returns at most limit items of all (already in list order)
// that come after the item whose id is after (from the start when after is
// empty or unknown).
func paginate[T any](all []T, id func(T) string, after string, limit int) page[T] {
	start := 0
	if after != "" {
		for i, it := range all {
			if id(it) == after {
				start = i + 1
				break
			}
		}
	}
	rest := all[start:]
	p := page[T]{Object: "list", Data: rest[:min(limit, len(rest))], HasMore: len(rest) > limit}
	if len(p.Data) > 0 {
		first, last := id(p.Data[0]), id(p.Data[len(p.Data)-1])
		p.FirstID, p.LastID = &first, &last
	} else {
		p.Data = []T{}
	}
	return p
}

// parallel calls fn(i) for every i in [0, n) from GOMAXPROCS goroutines
// and returns when all calls have; each i is handled once, so fn may write
// to the i-th element of a slice without a lock.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				fn(i)
			}
		})
	}
	wg.Wait()
}
