; Scala tags: classes, objects, traits, enums, defs, vals, types; imports; references.
(class_definition name: (_) @name.definition.class) @definition.class
(object_definition name: (_) @name.definition.class) @definition.class
(trait_definition name: (_) @name.definition.trait) @definition.trait
(enum_definition name: (_) @name.definition.enum) @definition.enum
(function_definition name: (_) @name.definition.function) @definition.function
(function_declaration name: (_) @name.definition.function) @definition.function
(type_definition name: (_) @name.definition.type) @definition.type
(compilation_unit (val_definition pattern: (identifier) @name.definition.variable) @definition.variable)
(template_body (val_definition pattern: (identifier) @name.definition.variable) @definition.variable)

; imports: `import a.b.C`, `import a.b.{D, E => F}`, `import a.b._` (assembled from their parts)
(import_declaration (identifier) @import.part) @import.of
(import_declaration (namespace_selectors (identifier) @import.name)) @import.of
(import_declaration (namespace_selectors (arrow_renamed_identifier name: (_) @import.name alias: (_) @import.alias))) @import.of
(import_declaration (namespace_wildcard) @import.star) @import.of

; references
(call_expression function: (identifier) @name.reference.call)
(call_expression function: (field_expression field: (identifier) @name.reference.call))
(field_expression value: (identifier) @name.reference.module)
(instance_expression (type_identifier) @name.reference.class)
(type_identifier) @name.reference.type
