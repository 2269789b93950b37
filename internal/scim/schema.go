package scim

import "strings"

// attrSpec describes one attribute of a schema this product knows. The same
// table drives decoding and coercion, PATCH path resolution, projection and
// the /Schemas documents, so what is advertised is exactly what is accepted.
type attrSpec struct {
	Name      string // canonical camelCase name
	Type      string // RFC 7643 §2.3 type: string, boolean, decimal, complex, reference
	Multi     bool
	Required  bool
	CaseExact bool
	// Mutability is readWrite (default), readOnly, writeOnly or immutable.
	// A readOnly sub-attribute is rendered by this product and ignored in
	// requests: dropped from bodies, a no-op as a PATCH path.
	Mutability  string
	Returned    string // default (default), always, never
	Uniqueness  string // none (default), server
	Description string
	Canonical   []string // canonicalValues, advertised only
	RefTypes    []string // referenceTypes of a reference attribute, advertised only
	Subs        []*attrSpec
	// Ignored lists known sub-attribute names this product does not map
	// (accepted in PATCH paths as no-ops, dropped from bodies).
	Ignored []string
	// Key is, for a multi-valued complex attribute, the sub-attribute an entry
	// cannot do without (entries lacking it are dropped).
	Key string
	// AltKey, when set, is another sub-attribute that identifies an entry
	// on its own (a group named by display only).
	AltKey string
	// Lower lower-cases a string value on decode (emails/phoneNumbers type).
	Lower bool
	// MaxLen, when positive, is the most characters a string value may
	// have (400 invalidValue beyond).
	MaxLen int
}

// maxExternalIDLen bounds externalId: clients send an object id there (a
// GUID, an Okta id), and a longer value is no id, only a cost to store and
// match.
const maxExternalIDLen = 255

// schemaSpec is one schema: core User or one of its extensions.
type schemaSpec struct {
	ID          string
	Name        string
	Description string
	Attrs       []*attrSpec
	// Ignored lists known attributes of the schema this product does not map.
	Ignored []string
	// ReadOnly lists attributes a client may never write (PATCH: mutability).
	ReadOnly []string
}

func sub(name, typ, desc string) *attrSpec {
	return &attrSpec{Name: name, Type: typ, Description: desc}
}

// multiValueSubs are the mapped sub-attributes of emails and phoneNumbers.
func multiValueSubs(typeDesc string, types ...string) []*attrSpec {
	t := sub("type", "string", typeDesc)
	t.Canonical = types
	t.Lower = true
	return []*attrSpec{
		sub("value", "string", "The value."),
		t,
		sub("primary", "boolean", "Whether this is the primary value; at most one is."),
	}
}

var coreSchema = &schemaSpec{
	ID:          UserURN,
	Name:        "User",
	Description: "User Account",
	Attrs: []*attrSpec{
		{Name: "userName", Type: "string", Required: true, Uniqueness: "server",
			Description: "Unique identifier for the User; the Genesys Cloud email (login)."},
		{Name: "externalId", Type: "string", CaseExact: true, MaxLen: maxExternalIDLen,
			Description: "Identifier of the User in the provisioning client; at most 255 characters."},
		{Name: "name", Type: "complex", Description: "The components of the User's name.",
			Subs: []*attrSpec{
				sub("formatted", "string", "The full name."),
				sub("familyName", "string", "The family name (derived from the full name on read)."),
				sub("givenName", "string", "The given name (derived from the full name on read)."),
			},
			Ignored: []string{"middleName", "honorificPrefix", "honorificSuffix"}},
		{Name: "displayName", Type: "string", Description: "The name of the User, suitable for display."},
		{Name: "title", Type: "string", Description: "The User's title."},
		{Name: "active", Type: "boolean", Description: "The User's administrative status."},
		{Name: "password", Type: "string", Mutability: "writeOnly", Returned: "never",
			Description: "Initial password; never returned."},
		{Name: "emails", Type: "complex", Multi: true, Key: "value",
			Description: "Email addresses of the User.",
			Subs:        multiValueSubs("work, home or other.", "work", "home", "other"),
			Ignored:     []string{"display"}},
		{Name: "phoneNumbers", Type: "complex", Multi: true, Key: "value",
			Description: "Phone numbers of the User.",
			Subs:        multiValueSubs("work, mobile or home.", "work", "mobile", "home"),
			Ignored:     []string{"display"}},
		{Name: "groups", Type: "complex", Multi: true, Key: "value", AltKey: "display",
			Description: "Groups the User is a direct member of; they select routing (skills, languages, queues). " +
				"Membership is managed through /Groups; it is also accepted here, for clients that cannot use /Groups. " +
				"Returned by GET /Users only when the attributes parameter asks for it.",
			Subs: []*attrSpec{
				sub("value", "string", "The id of the Group (or, on input, its name in display alone)."),
				sub("display", "string", "The name of the Group."),
				{Name: "$ref", Type: "reference", RefTypes: []string{"Group"}, Mutability: "readOnly",
					Description: "The URI of the Group."},
				{Name: "type", Type: "string", Canonical: []string{"direct"}, Mutability: "readOnly",
					Description: "direct: memberships are direct."},
			}},
	},
	Ignored: []string{"nickName", "profileUrl", "userType", "preferredLanguage", "locale",
		"timezone", "addresses", "ims", "photos", "entitlements", "roles", "x509Certificates"},
	ReadOnly: []string{"id", "meta", "schemas"},
}

var enterpriseSchema = &schemaSpec{
	ID:          EnterpriseUserURN,
	Name:        "EnterpriseUser",
	Description: "Enterprise User",
	Attrs: []*attrSpec{
		{Name: "department", Type: "string", Description: "The User's department."},
		{Name: "manager", Type: "complex", Key: "value", Description: "The User's manager.",
			Subs:    []*attrSpec{sub("value", "string", "The id of the manager's User.")},
			Ignored: []string{"$ref", "displayName"}},
	},
	Ignored: []string{"employeeNumber", "costCenter", "organization", "division"},
}

var genesysSchema = &schemaSpec{
	ID:          GenesysUserURN,
	Name:        "GenesysUser",
	Description: "Genesys Cloud placement of the User",
	Attrs: []*attrSpec{
		{Name: "divisionId", Type: "string", CaseExact: true,
			Description: "Genesys Cloud division of the User (default: the configured division)."},
	},
}

func proficiencySubs() []*attrSpec {
	return []*attrSpec{
		sub("name", "string", "The name as configured in Genesys Cloud."),
		sub("proficiency", "decimal", "Proficiency, 0 to 5."),
	}
}

var purecloudSchema = &schemaSpec{
	ID:          PurecloudUserURN,
	Name:        "GenesysCloudUser",
	Description: "Genesys Cloud routing of the User",
	Attrs: []*attrSpec{
		{Name: "routingSkills", Type: "complex", Multi: true, Key: "name",
			Description: "Routing skills by name.", Subs: proficiencySubs()},
		{Name: "routingLanguages", Type: "complex", Multi: true, Key: "name",
			Description: "Routing languages by name.", Subs: proficiencySubs()},
	},
}

// groupSchema is the Group (RFC 7643 §4.2, §8.7.1). Its attributes are
// read by DecodeGroup and ParseGroupPatch, which have rules of their own
// (members by id only), and advertised in /Schemas from here.
var groupSchema = &schemaSpec{
	ID:          GroupURN,
	Name:        "Group",
	Description: "Group",
	Attrs: []*attrSpec{
		{Name: "displayName", Type: "string", Required: true,
			Description: "A human-readable name for the Group."},
		{Name: "members", Type: "complex", Multi: true, Key: "value",
			Description: "The Users in the Group, by id. Changed with PATCH add and remove, or replaced by PUT.",
			Subs: []*attrSpec{
				{Name: "value", Type: "string", CaseExact: true, Mutability: "immutable",
					Description: "The id of the member User."},
				{Name: "display", Type: "string", Mutability: "readOnly",
					Description: "The display name of the member User."},
				{Name: "$ref", Type: "reference", RefTypes: []string{"User"}, Mutability: "readOnly",
					Description: "The URI of the member User."},
				{Name: "type", Type: "string", Canonical: []string{"User"}, Mutability: "readOnly",
					Description: "User: members are Users only."},
			}},
		{Name: "externalId", Type: "string", CaseExact: true, MaxLen: maxExternalIDLen,
			Description: "Identifier of the Group in the provisioning client; at most 255 characters."},
	},
	ReadOnly: []string{"id", "meta", "schemas"},
}

// userSchemas are the User's schemas, core first: the ones a User body,
// PATCH path or projection may name.
var userSchemas = []*schemaSpec{coreSchema, enterpriseSchema, genesysSchema, purecloudSchema}

// allSchemas is the order of the /Schemas document.
var allSchemas = []*schemaSpec{coreSchema, enterpriseSchema, genesysSchema, purecloudSchema, groupSchema}

// extensionSchemas are the schemas whose attributes live under their URN.
var extensionSchemas = []*schemaSpec{enterpriseSchema, genesysSchema, purecloudSchema}

// schemaByURN finds a schema by its URN, case-insensitively.
func schemaByURN(urn string) *schemaSpec {
	for _, s := range allSchemas {
		if strings.EqualFold(s.ID, urn) {
			return s
		}
	}
	return nil
}

// attr finds a mapped attribute by name, case-insensitively.
func (s *schemaSpec) attr(name string) *attrSpec {
	for _, a := range s.Attrs {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// sub finds a mapped sub-attribute by name, case-insensitively.
func (a *attrSpec) sub(name string) *attrSpec {
	for _, s := range a.Subs {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// writableSub is sub without the readOnly sub-attributes, which requests
// cannot set or filter on.
func (a *attrSpec) writableSub(name string) *attrSpec {
	if s := a.sub(name); s != nil && s.Mutability != "readOnly" {
		return s
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// splitURN splits a URN-qualified User attribute path
// ("urn:...:User:name.givenName") into its schema and the rest. ok is false
// for a urn: prefix naming no User schema. A path without urn: prefix belongs to the core schema. A path
// that is exactly a schema URN returns that schema and an empty rest.
func splitURN(p string) (s *schemaSpec, rest string, ok bool) {
	if len(p) < 4 || !strings.EqualFold(p[:4], "urn:") {
		return coreSchema, p, true
	}
	for _, sc := range userSchemas {
		n := len(sc.ID)
		if len(p) >= n && strings.EqualFold(p[:n], sc.ID) {
			if len(p) == n {
				return sc, "", true
			}
			if p[n] == ':' {
				return sc, p[n+1:], true
			}
		}
	}
	return nil, "", false
}

// lookupAttr finds a mapped attribute of s. An unqualified name that the core
// schema lacks is also looked up in the extensions: Entra sends "manager"
// and "department" without their URN.
func lookupAttr(s *schemaSpec, name string) (*schemaSpec, *attrSpec) {
	if a := s.attr(name); a != nil || s != coreSchema {
		return s, a
	}
	for _, ext := range extensionSchemas {
		if a := ext.attr(name); a != nil {
			return ext, a
		}
	}
	return s, nil
}

// isIgnored reports whether name is a known attribute of s that this product
// does not map (for the core schema, of an extension too, as in lookupAttr).
func isIgnored(s *schemaSpec, name string) bool {
	if containsFold(s.Ignored, name) {
		return true
	}
	if s == coreSchema {
		for _, ext := range extensionSchemas {
			if containsFold(ext.Ignored, name) {
				return true
			}
		}
	}
	return false
}
