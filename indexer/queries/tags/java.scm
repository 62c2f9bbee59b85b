; Java tags: types, methods, constructors, fields' constants; `import a.b.C;` / `import a.b.*;`; references.
(class_declaration name: (identifier) @name.definition.class) @definition.class
(interface_declaration name: (identifier) @name.definition.interface) @definition.interface
(enum_declaration name: (identifier) @name.definition.enum) @definition.enum
(record_declaration name: (identifier) @name.definition.class) @definition.class
(annotation_type_declaration name: (identifier) @name.definition.interface) @definition.interface
(method_declaration name: (identifier) @name.definition.method) @definition.method
(constructor_declaration name: (identifier) @name.definition.method) @definition.method
(field_declaration declarator: (variable_declarator name: (identifier) @name.definition.variable)) @definition.variable

; imports
(import_declaration (scoped_identifier) @import.path) @import
(import_declaration (scoped_identifier) @import.module (asterisk) @import.star) @import

; references
(method_invocation name: (identifier) @name.reference.call)
(method_invocation object: (identifier) @name.reference.module)
(object_creation_expression type: (type_identifier) @name.reference.class)
(type_identifier) @name.reference.type
