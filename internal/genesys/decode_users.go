package genesys

// The hand-written decoders of the user responses (see decode.go). Each
// key list names the JSON keys of its type's struct tags, for the
// case-insensitive match; a key added to a type must be added to both its
// switch and its list (TestDecoderKeysMatchTags checks the lists against
// the tags).

var searchResponseKeys = []string{"total", "pageCount", "pageSize", "pageNumber", "results"}

func (sr *SearchResponse) decodeBody(body string) error {
	r, err := newReader(body)
	if err != nil {
		return err
	}
	return r.object("SearchResponse", func(key string) error { return sr.field(r, key) })
}

func (sr *SearchResponse) field(r *reader, key string) error {
	switch key {
	case "total":
		return r.setInt(&sr.Total, "SearchResponse.total")
	case "pageCount":
		return r.setInt(&sr.PageCount, "SearchResponse.pageCount")
	case "pageSize":
		return r.setInt(&sr.PageSize, "SearchResponse.pageSize")
	case "pageNumber":
		return r.setInt(&sr.PageNumber, "SearchResponse.pageNumber")
	case "results":
		return readSlice(r, &sr.Results, "SearchResponse.results", decodeUser)
	}
	if k := foldKey(key, searchResponseKeys); k != "" {
		return sr.field(r, k)
	}
	r.skip()
	return nil
}

var userPageKeys = []string{"entities", "pageSize", "pageNumber", "total", "pageCount"}

func (p *UserPage) decodeBody(body string) error {
	r, err := newReader(body)
	if err != nil {
		return err
	}
	return r.object("UserPage", func(key string) error { return p.field(r, key) })
}

func (p *UserPage) field(r *reader, key string) error {
	switch key {
	case "entities":
		return readSlice(r, &p.Entities, "UserPage.entities", decodeUser)
	case "pageSize":
		return r.setInt(&p.PageSize, "UserPage.pageSize")
	case "pageNumber":
		return r.setInt(&p.PageNumber, "UserPage.pageNumber")
	case "total":
		return r.setInt(&p.Total, "UserPage.total")
	case "pageCount":
		return r.setInt(&p.PageCount, "UserPage.pageCount")
	}
	if k := foldKey(key, userPageKeys); k != "" {
		return p.field(r, k)
	}
	r.skip()
	return nil
}

func (u *User) decodeBody(body string) error {
	r, err := newReader(body)
	if err != nil {
		return err
	}
	return decodeUser(r, u)
}

func decodeUser(r *reader, u *User) error {
	return r.object("User", func(key string) error { return u.field(r, key) })
}

var userKeys = []string{"id", "name", "email", "username", "state", "title", "department", "division",
	"manager", "addresses", "primaryContactInfo", "version", "skills", "languages", "groups", "selfUri"}

func (u *User) field(r *reader, key string) error {
	switch key {
	case "id":
		return r.setString(&u.ID, "User.id")
	case "name":
		return r.setString(&u.Name, "User.name")
	case "email":
		return r.setString(&u.Email, "User.email")
	case "username":
		return r.setString(&u.Username, "User.username")
	case "state":
		return r.setString(&u.State, "User.state")
	case "title":
		return r.setString(&u.Title, "User.title")
	case "department":
		return r.setString(&u.Department, "User.department")
	case "division":
		return r.setRef(&u.Division, "User.division")
	case "manager":
		return r.setRef(&u.Manager, "User.manager")
	case "addresses":
		return readSlice(r, &u.Addresses, "User.addresses", decodeContact)
	case "primaryContactInfo":
		return readSlice(r, &u.PrimaryContactInfo, "User.primaryContactInfo", decodeContact)
	case "version":
		// Version's own UnmarshalJSON, which encoding/json calls for every
		// value, null included.
		return u.Version.UnmarshalJSON([]byte(r.skip()))
	case "skills":
		return readSlice(r, &u.Skills, "User.skills", decodeSkill)
	case "languages":
		return readSlice(r, &u.Languages, "User.languages", decodeLanguage)
	case "groups":
		return readSlice(r, &u.Groups, "User.groups", decodeRef)
	case "selfUri":
		return r.setString(&u.SelfURI, "User.selfUri")
	}
	if k := foldKey(key, userKeys); k != "" {
		return u.field(r, k)
	}
	r.skip()
	return nil
}

var refKeys = []string{"id", "name", "selfUri"}

// decodeRef decodes one element of a list of references (User.groups).
func decodeRef(r *reader, ref *Ref) error {
	return r.object("Ref", func(key string) error { return ref.field(r, key) })
}

func (ref *Ref) field(r *reader, key string) error {
	switch key {
	case "id":
		return r.setString(&ref.ID, "Ref.id")
	case "name":
		return r.setString(&ref.Name, "Ref.name")
	case "selfUri":
		return r.setString(&ref.SelfURI, "Ref.selfUri")
	}
	if k := foldKey(key, refKeys); k != "" {
		return ref.field(r, k)
	}
	r.skip()
	return nil
}

var contactKeys = []string{"address", "display", "mediaType", "type", "extension", "countryCode"}

func decodeContact(r *reader, c *Contact) error {
	return r.object("Contact", func(key string) error { return c.field(r, key) })
}

func (c *Contact) field(r *reader, key string) error {
	switch key {
	case "address":
		return r.setString(&c.Address, "Contact.address")
	case "display":
		return r.setString(&c.Display, "Contact.display")
	case "mediaType":
		return r.setString(&c.MediaType, "Contact.mediaType")
	case "type":
		return r.setString(&c.Type, "Contact.type")
	case "extension":
		return r.setString(&c.Extension, "Contact.extension")
	case "countryCode":
		return r.setString(&c.CountryCode, "Contact.countryCode")
	}
	if k := foldKey(key, contactKeys); k != "" {
		return c.field(r, k)
	}
	r.skip()
	return nil
}

// routingKeys are the keys of UserRoutingSkill and UserRoutingLanguage,
// which have the same shape.
var routingKeys = []string{"id", "name", "proficiency", "state"}

// routingField decodes one member of a skill or a language.
func routingField(r *reader, id, name *string, proficiency *float64, state *string, key string) error {
	switch key {
	case "id":
		return r.setString(id, "routing entry id")
	case "name":
		return r.setString(name, "routing entry name")
	case "proficiency":
		return r.setFloat(proficiency, "routing entry proficiency")
	case "state":
		return r.setString(state, "routing entry state")
	}
	if k := foldKey(key, routingKeys); k != "" {
		return routingField(r, id, name, proficiency, state, k)
	}
	r.skip()
	return nil
}

func decodeSkill(r *reader, s *UserRoutingSkill) error {
	return r.object("UserRoutingSkill", func(key string) error {
		return routingField(r, &s.ID, &s.Name, &s.Proficiency, &s.State, key)
	})
}

func decodeLanguage(r *reader, l *UserRoutingLanguage) error {
	return r.object("UserRoutingLanguage", func(key string) error {
		return routingField(r, &l.ID, &l.Name, &l.Proficiency, &l.State, key)
	})
}
