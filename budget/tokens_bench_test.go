package budget

import (
	"strings"
	"testing"
)

// mixedProse returns about size bytes of varied text: English and French
// prose, code, numbers, CJK, Cyrillic and emoji, the mix a batch of user
// prompts might hold. Deterministic, so runs are comparable.
func mixedProse(size int) string {
	paras := []string{
		"The battery lasts two days, but the screen scratches easily. I returned it after a week because the charger stopped working, and customer service took nine days to answer my email.\n\n",
		"Traduire en anglais : « Le café est fermé le dimanche, mais la boulangerie reste ouverte jusqu'à 13 h. » Merci d'avance !\n\n",
		"func main() {\n\tfor i := 0; i < 10; i++ {\n\t\tfmt.Printf(\"%d: %s\\n\", i, strings.Repeat(\"x\", i))\n\t}\n}\n\n",
		"Order #48213 shipped 2024-07-18 at 14:05 UTC; total $1,234.56 (incl. 20% VAT), weight 3.14159 kg, tracking 1Z999AA10123456784.\n\n",
		"東京は日本の首都です。人口は約1400万人で、多くの観光客が訪れます。\n\n",
		"Тестовый текст на русском языке: погода сегодня хорошая, а завтра обещают дождь.\n\n",
		"Great product 🚀🔥👍🏽 would buy again!!! 10/10 — five stars ⭐⭐⭐⭐⭐\n\n",
		"SELECT id, text FROM reviews WHERE score >= 4 AND created_at > '2024-01-01' ORDER BY id LIMIT 100;\n\n",
	}
	var b strings.Builder
	b.Grow(size + 512)
	for i := 0; b.Len() < size; i++ {
		b.WriteString(paras[i%len(paras)])
	}
	return b.String()
}

// BenchmarkCount counts ~1 MB of mixed prose, both as one document and as
// ~1 KB rows (the batch case); MB/s is reported via SetBytes.
func BenchmarkCount(b *testing.B) {
	text := mixedProse(1 << 20)
	var rows []string
	for r := text; len(r) > 0; {
		n := min(1024, len(r))
		for n < len(r) && r[n]&0xC0 == 0x80 { // keep runes whole
			n++
		}
		rows = append(rows, r[:n])
		r = r[n:]
	}
	for _, model := range []string{"gpt-4o", "gpt-4"} {
		c := NewCounter()
		c.Count(model, "warm up") // exclude the one-off vocabulary load
		b.Run(EncodingForModel(model)+"/1MB", func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				c.Count(model, text)
			}
		})
		b.Run(EncodingForModel(model)+"/1KB-rows", func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				for _, r := range rows {
					c.Count(model, r)
				}
			}
		})
	}
}
