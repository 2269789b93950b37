package gateway

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// profile is what a SCIM user says its Genesys user should hold, after
// normalisation and validation. It is computed from a full
// SCIM resource (POST, PUT, or the result of applying a PATCH to the current
// resource).
type profile struct {
	Email      string // the normalised userName: the Genesys email and username
	Name       string // name.formatted, else "givenName familyName", else displayName, else Email
	WorkEmail  string // a work email that differs from Email; "" for none
	Title      string
	Department string
	ManagerID  string
	DivisionID string // the extension's divisionId; "" = the configured default
	Password   string // create only
	Phones     []genesys.Contact
	Active     *bool // nil: not stated
	ExternalID string
	Groups     []scim.GroupRef
	Skills     []scim.NamedProficiency // Genesys purecloud extension
	Languages  []scim.NamedProficiency
}

// maxEmailLen bounds an email address (RFC 5321 path limit). Longer values
// are refused rather than sent upstream.
const maxEmailLen = 254

// SCIM email and phone types this product maps (RFC 7643 section 4.1.2).
const (
	typeWork   = "work"
	typeOther  = "other"
	typeMobile = "mobile"
	typeHome   = "home"
)

// phoneTypes maps SCIM phoneNumbers types onto Genesys PHONE address types,
// in the order addresses are rendered.
var phoneTypes = []struct{ scim, genesys string }{
	{typeWork, genesys.ContactWork},
	{typeMobile, genesys.ContactMobile},
	{typeHome, genesys.ContactHome},
}

// asciiSpace is the whitespace the userName rule trims.
const asciiSpace = " \t\n\v\f\r"

// normaliseAddress applies the userName rule to an email address: ASCII
// whitespace trimmed, ASCII letters lower-cased, nothing else folded.
// Unicode folding would merge distinct identities of the identity provider
// onto one agent: the Kelvin sign (U+212A) lower-cases to "k", and a
// no-break space is whitespace to strings.TrimSpace.
func normaliseAddress(s string) string {
	s = strings.Trim(s, asciiSpace)
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// sameAddress compares email addresses under the userName rule.
func sameAddress(a, b string) bool { return normaliseAddress(a) == normaliseAddress(b) }

// normaliseEmail applies normaliseAddress to s and checks it is an email
// address; otherwise 400 invalidValue naming attr.
func normaliseEmail(attr, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", scim.BadValue("%s must be valid UTF-8", attr)
	}
	e := normaliseAddress(s)
	if e == "" {
		return "", scim.BadValue("%s must be an email address; it is empty", attr)
	}
	if len(e) > maxEmailLen || !isPlainAddress(e) {
		return "", scim.BadValue("%s must be an email address", attr)
	}
	return e, nil
}

// isPlainAddress reports whether e is a bare addr-spec (local@domain) with a
// dotted domain: net/mail also accepts display names and angle brackets,
// which are not an email address for this purpose.
func isPlainAddress(e string) bool {
	a, err := mail.ParseAddress(e)
	if err != nil || a.Name != "" || a.Address != e {
		return false
	}
	at := strings.LastIndexByte(e, '@')
	domain := e[at+1:]
	// A domain literal ("a@[127.0.0.1]", RFC 5322 §3.4.1) is an address
	// net/mail accepts and Genesys does not.
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, "[") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// profileFromSCIM applies the mapping rules to u: the
// userName (or the primary, else first, email) normalised; the name
// precedence; the work-email rule; phone types work/mobile/home; two primary
// emails -> 400 invalidValue.
func profileFromSCIM(u *scim.User) (*profile, error) {
	email, err := primaryAddress(u)
	if err != nil {
		return nil, err
	}
	work, err := workEmail(u.Emails, email)
	if err != nil {
		return nil, err
	}
	skills, err := namedProficiencies("routingSkills", u.RoutingSkills)
	if err != nil {
		return nil, err
	}
	langs, err := namedProficiencies("routingLanguages", u.RoutingLanguages)
	if err != nil {
		return nil, err
	}
	if err := checkPathValue("externalId", u.ExternalID); err != nil {
		return nil, err
	}
	// A division id goes into a Genesys URL path when a restore moves the
	// user (POST /api/v2/authorization/divisions/{divisionId}/objects/USER).
	if div := strings.TrimSpace(u.DivisionID); div != "" && !isGenesysID(div) {
		return nil, scim.BadValue("divisionId %q is not a Genesys Cloud division id", div)
	}
	return &profile{
		Email:      email,
		Name:       displayName(u, email),
		WorkEmail:  work,
		Title:      strings.TrimSpace(u.Title),
		Department: strings.TrimSpace(u.Department),
		ManagerID:  strings.TrimSpace(u.ManagerID),
		DivisionID: strings.TrimSpace(u.DivisionID),
		Password:   u.Password,
		Phones:     phones(u.PhoneNumbers),
		Active:     u.Active,
		ExternalID: u.ExternalID,
		Groups:     u.Groups,
		Skills:     skills,
		Languages:  langs,
	}, nil
}

// primaryAddress is the normalised userName, or, without one, the primary
// (else first) email: the Genesys email. Two primary emails are refused
// whichever serves.
func primaryAddress(u *scim.User) (string, error) {
	var primary, first string
	primaries := 0
	for _, e := range u.Emails {
		if strings.TrimSpace(e.Value) == "" {
			continue
		}
		if first == "" {
			first = e.Value
		}
		if e.Primary {
			primaries++
			primary = e.Value
		}
	}
	if primaries > 1 {
		return "", scim.BadValue("emails has more than one primary entry")
	}
	switch {
	case strings.TrimSpace(u.UserName) != "":
		return normaliseEmail("userName", u.UserName)
	case primary != "":
		return normaliseEmail("emails.value", primary)
	case first != "":
		return normaliseEmail("emails.value", first)
	}
	return "", scim.BadValue("userName (or an email) is required")
}

// workEmail returns the first email typed work that differs from the
// userName, normalised; "" when there is none. Home and other emails are not
// mapped.
func workEmail(emails []scim.MultiValue, userName string) (string, error) {
	for _, e := range emails {
		if e.Type != typeWork || strings.TrimSpace(e.Value) == "" {
			continue
		}
		w, err := normaliseEmail(`emails[type eq "work"].value`, e.Value)
		if err != nil {
			return "", err
		}
		if w != userName {
			return w, nil
		}
	}
	return "", nil
}

// displayName applies the name precedence: name.formatted, else "givenName
// familyName", else displayName, else the userName.
func displayName(u *scim.User, userName string) string {
	if f := strings.TrimSpace(u.Name.Formatted); f != "" {
		return f
	}
	parts := strings.TrimSpace(strings.TrimSpace(u.Name.GivenName) + " " + strings.TrimSpace(u.Name.FamilyName))
	if parts != "" {
		return parts
	}
	if d := strings.TrimSpace(u.DisplayName); d != "" {
		return d
	}
	return userName
}

// phones maps phoneNumbers typed work, mobile or home onto Genesys PHONE
// addresses, one per type (the primary entry of a type wins, else the
// first). Other types are not mapped.
func phones(nums []scim.MultiValue) []genesys.Contact {
	var out []genesys.Contact
	for _, pt := range phoneTypes {
		var pick string
		for _, n := range nums {
			v := strings.TrimSpace(n.Value)
			if n.Type != pt.scim || v == "" {
				continue
			}
			if pick == "" || n.Primary {
				pick = v
			}
			if n.Primary {
				break
			}
		}
		if pick != "" {
			out = append(out, genesys.Contact{Address: pick, MediaType: genesys.MediaPhone, Type: pt.genesys})
		}
	}
	return out
}

// maxNamedProficiencies bounds the routingSkills and routingLanguages of one
// request, as Genesys's own SCIM does (ScimUserExtensions: at most 50 each):
// each name may cost a lookup, and one request must not be able to keep the
// outbound pacing for itself.
const maxNamedProficiencies = 50

// namedProficiencies validates the purecloud extension's skills or languages:
// at most maxNamedProficiencies entries, a name is required and a
// proficiency, when sent, lies in 0..5. Missing
// proficiencies take the default, so callers see complete values.
func namedProficiencies(attr string, in []scim.NamedProficiency) ([]scim.NamedProficiency, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(in) > maxNamedProficiencies {
		return nil, scim.BadValue("%s: at most %d entries", attr, maxNamedProficiencies)
	}
	out := make([]scim.NamedProficiency, 0, len(in))
	for _, np := range in {
		name := strings.TrimSpace(np.Name)
		if name == "" {
			return nil, scim.BadValue("%s: every entry needs a name", attr)
		}
		p := float64(DefaultProficiency)
		if np.Proficiency != nil {
			p = *np.Proficiency
		}
		if p < 0 || p > 5 {
			return nil, scim.BadValue("%s: proficiency of %q must be between 0 and 5", attr, name)
		}
		out = append(out, scim.NamedProficiency{Name: name, Proficiency: &p})
	}
	return out, nil
}

// addresses renders the profile's Genesys addresses: the work email (EMAIL
// WORK) and the phones (PHONE WORK/MOBILE/HOME), one per (mediaType, type).
// The result is empty (not nil) when there are none, so that a replace
// clears the user's addresses.
func (p *profile) addresses() []genesys.Contact {
	out := make([]genesys.Contact, 0, 1+len(p.Phones))
	if p.WorkEmail != "" {
		out = append(out, genesys.Contact{Address: p.WorkEmail, MediaType: genesys.MediaEmail, Type: genesys.ContactWork})
	}
	seen := map[string]bool{}
	for _, c := range p.Phones {
		if seen[c.Type] {
			continue
		}
		seen[c.Type] = true
		out = append(out, c)
	}
	return out
}

// userToSCIM renders a Genesys user as the SCIM resource (without
// meta.location, which the protocol layer fills): userName = email (the
// primary email, type work, or type other when a differing work address
// exists, which is then returned as type work); name.formatted and
// displayName = name, givenName/familyName split on the last word; active =
// state active; phones from PHONE addresses; externalID as given; manager,
// department, title, division; meta.version = version.
func userToSCIM(u *genesys.User, externalID string) *scim.User {
	given, family := splitName(u.Name)
	active := u.State == genesys.StateActive
	out := &scim.User{
		ID:          u.ID,
		ExternalID:  externalID,
		UserName:    u.Email,
		Name:        scim.Name{Formatted: u.Name, GivenName: given, FamilyName: family},
		DisplayName: u.Name,
		Active:      &active,
		Title:       u.Title,
		Department:  u.Department,
		Meta:        scim.Meta{Version: strconv.Itoa(int(u.Version))},
	}
	if u.Manager != nil {
		out.ManagerID = u.Manager.ID
	}
	if u.Division != nil {
		out.DivisionID = u.Division.ID
	}
	primary := scim.MultiValue{Value: u.Email, Type: typeWork, Primary: true}
	var work string
	for _, c := range u.Addresses {
		switch c.MediaType {
		case genesys.MediaEmail:
			if c.Type == genesys.ContactWork && work == "" && !sameAddress(c.Address, u.Email) {
				work = c.Address
			}
		case genesys.MediaPhone:
			if t := scimPhoneType(c.Type); t != "" {
				out.PhoneNumbers = append(out.PhoneNumbers, scim.MultiValue{Value: c.Address, Type: t})
			}
		}
	}
	if u.Email != "" {
		if work != "" {
			primary.Type = typeOther
			out.Emails = []scim.MultiValue{primary, {Value: work, Type: typeWork}}
		} else {
			out.Emails = []scim.MultiValue{primary}
		}
	}
	for _, s := range u.Skills {
		out.RoutingSkills = append(out.RoutingSkills, namedProficiency(s.Name, s.Proficiency))
	}
	for _, l := range u.Languages {
		out.RoutingLanguages = append(out.RoutingLanguages, namedProficiency(l.Name, l.Proficiency))
	}
	return out
}

func namedProficiency(name string, p float64) scim.NamedProficiency {
	return scim.NamedProficiency{Name: name, Proficiency: &p}
}

// scimPhoneType is the SCIM type of a Genesys PHONE address type; "" for
// types this product does not map.
func scimPhoneType(genesysType string) string {
	for _, pt := range phoneTypes {
		if pt.genesys == genesysType {
			return pt.scim
		}
	}
	return ""
}

// splitName splits a one-string Genesys name on its last word: the family
// name is the last word, the given name the rest. Lossy by design (Genesys
// has no name parts): "Mary Ann Smith" gives "Mary Ann" / "Smith", and a
// single word is a family name only.
func splitName(name string) (given, family string) {
	if last, ok := lastSingleSpace(name); ok {
		if last < 0 {
			return "", name
		}
		return name[:last], name[last+1:]
	}
	f := strings.Fields(name)
	switch len(f) {
	case 0:
		return "", ""
	case 1:
		return "", f[0]
	}
	return strings.Join(f[:len(f)-1], " "), f[len(f)-1]
}

// lastSingleSpace is splitName's fast path, taken for every page of a list:
// when name is ASCII words separated by single spaces (nothing to trim or
// collapse, so strings.Fields and Join would give back the same bytes), it
// returns the index of the last space (-1 for one word) without allocating.
// ok is false for anything else (other whitespace, non-ASCII, runs of
// spaces, an empty name), which takes the general path.
func lastSingleSpace(name string) (last int, ok bool) {
	last = -1
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == ' ':
			if i == 0 || i == len(name)-1 || name[i-1] == ' ' {
				return 0, false
			}
			last = i
		case c >= utf8.RuneSelf || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
			return 0, false
		}
	}
	return last, name != ""
}
