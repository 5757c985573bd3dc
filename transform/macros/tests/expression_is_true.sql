{#- Generic test: every row satisfies `expression` (a SQL boolean over the model's columns); rows where
    it is false are failures, rows where it is null (unknown) are not. Works on a model or a column (the
    expression names the column itself). -#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
