package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/simulator"
)

const (
	benchModel    = "gpt-4o-mini"
	benchTemplate = "Summarise in one line: {{.text}}"
)

// vocabularies of the prompts: the character-based charge runs about 18 %
// above our count on this English and about 22 % below it on this
// Japanese (3 bytes a character, often a token each).
var vocabularies = map[string][]string{
	"en": strings.Fields("the quick brown fox jumps over a lazy dog while seven tired " +
		"engineers measure throughput latency and rate limits under steady load"),
	"cjk": strings.Fields("猫が 窓辺で 眠り、 犬は 庭を 走り回っている。 雨上がりの 空に 虹が 架かった。 " +
		"量子計算機の 誤り訂正符号は、 論理量子ビットを 物理量子ビットの 集合で 表す。"),
}

// promptText returns row i of process p: words deterministic per row,
// distinct between rows and processes so that every request has its own
// hash (and fault draws). It starts "[p]": the measure code tells the
// processes apart by it.
func promptText(p int, i int64, words int, text string) string {
	vocab, ok := vocabularies[text]
	if !ok {
		vocab = vocabularies["en"]
	}
	sep := " "
	if text == "cjk" {
		sep = ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[%d] row %d:", p, i)
	x := uint64(i)*0x9e3779b97f4a7c15 + uint64(p)*0x85ebca6b + 1
	for range words {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b.WriteString(sep)
		b.WriteString(vocab[x%uint64(len(vocab))])
	}
	return b.String()
}

// expectedRate returns the requests per second the binding limit allows,
// the server's charge of a typical request and our count of it.
func expectedRate(c rlConfig) (rate float64, charge, ours int64) {
	text := strings.Replace(benchTemplate, "{{.text}}", promptText(0, 123456, c.words, c.text), 1)
	counter := budget.NewCounter()
	ours = budget.TPMCharge(int64(counter.Chat(benchModel, []budget.Message{{Role: "user", Content: text}})), c.maxTokens)
	charge = ours
	if c.charge != simulator.TPMChargeTiktoken {
		charge = int64(len(text)+3)/4 + 4 + c.maxTokens
	}
	rate = math.Inf(1)
	if c.simRPM > 0 {
		rate = float64(c.simRPM) / 60
	}
	if c.simTPM > 0 {
		rate = math.Min(rate, float64(c.simTPM)/60/float64(charge))
	}
	return rate, charge, ours
}

func writeInput(path string, p int, rows int64, words int, text string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create input %s: %w", path, err)
	}
	w := &strings.Builder{}
	w.WriteString("id,text\n")
	for i := range rows {
		fmt.Fprintf(w, "%d,%s\n", i, promptText(p, i, words, text))
	}
	if _, err := io.WriteString(f, w.String()); err != nil {
		f.Close()
		return fmt.Errorf("write input %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close input %s: %w", path, err)
	}
	return nil
}
