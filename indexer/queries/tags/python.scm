; Python tags: definitions, imports, references (see indexer/symbols.py for the capture names).
(function_definition name: (identifier) @name.definition.function) @definition.function
(class_definition name: (identifier) @name.definition.class) @definition.class
(module (expression_statement (assignment left: (identifier) @name.definition.variable)) @definition.variable)
(class_definition body: (block (expression_statement (assignment left: (identifier) @name.definition.variable)) @definition.variable))

; docstrings: the first statement of the body when it is a string
(function_definition body: (block . (expression_statement (string) @doc))) @doc.of
(class_definition body: (block . (expression_statement (string) @doc))) @doc.of

; imports
(import_statement name: (dotted_name) @import.module) @import
(import_statement name: (aliased_import name: (dotted_name) @import.module alias: (identifier) @import.alias)) @import
(import_from_statement module_name: (_) @import.module name: (dotted_name) @import.name) @import
(import_from_statement module_name: (_) @import.module
  name: (aliased_import name: (dotted_name) @import.name alias: (identifier) @import.alias)) @import
(import_from_statement module_name: (_) @import.module (wildcard_import) @import.star) @import

; references
(call function: (identifier) @name.reference.call)
(call function: (attribute attribute: (identifier) @name.reference.call))
(attribute object: (identifier) @name.reference.module)
(decorator (identifier) @name.reference.call)
(type (identifier) @name.reference.type)
(generic_type (identifier) @name.reference.type)
(class_definition superclasses: (argument_list (identifier) @name.reference.class))
(class_definition superclasses: (argument_list (attribute attribute: (identifier) @name.reference.class)))
(except_clause (identifier) @name.reference.class)
