package suggest

import "testing"

func TestClosest(t *testing.T) {
	columns := []string{"id", "review", "product", "rating", "text"}
	tests := []struct {
		name       string
		candidates []string
		want       string
		wantOK     bool
	}{
		{"review", columns, "review", true},                     // exact
		{"Review", columns, "review", true},                     // case only
		{"revew", columns, "review", true},                      // deletion
		{"prodcut", columns, "product", true},                   // adjacent swap counts one
		{"idd", columns, "id", true},                            // insertion
		{"txet", columns, "text", true},                         // swap in a short name
		{"ratings", columns, "rating", true},                    // plural
		{"x", columns, "", false},                               // too short to guess
		{"description", columns, "", false},                     // nothing near
		{"colour", []string{"color", "colours"}, "color", true}, // tie: first wins
		{"anything", nil, "", false},                            // no candidates
		{"", columns, "", false},                                // empty name
		{"naïve", []string{"naive"}, "naive", true},             // runes, not bytes
		{"simulte", []string{"simulate", "sample"}, "simulate", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Closest(tt.name, tt.candidates)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Closest(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"ab", "ba", 1},
		{"abcd", "acbd", 1},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau (which says 2)
	}
	for _, tt := range tests {
		if got := distance([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
