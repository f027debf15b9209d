-- Indexes whose columns lead a unique constraint's index on the same table (issue #20): the unique
-- index answers every lookup they could (a btree serves any prefix of its columns), and each cost
-- every catalog write an index insertion. A first apply writes 210,000 catalog rows.
DROP INDEX branches_business_id_idx;
DROP INDEX menus_business_id_idx;
DROP INDEX branch_menus_branch_id_idx;
DROP INDEX items_business_id_idx;
DROP INDEX item_option_groups_item_id_idx;
DROP INDEX item_options_group_id_idx;
DROP INDEX item_ingredients_item_id_idx;
DROP INDEX policies_owner_idx;
