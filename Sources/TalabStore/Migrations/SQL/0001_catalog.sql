-- The platform's users and the catalog businesses configure in git (SPEC.md §2.1–2.7, §8, §9).
-- Money is numeric(10,2) and never negative; times are timestamptz; ids are uuid. Config-owned
-- rows carry a `key` (the stable name in the tenant YAML) and are soft-deleted through deleted_at.

CREATE TYPE user_type AS ENUM ('admin', 'business', 'customer');
CREATE TYPE business_type AS ENUM ('restaurant', 'sports_court', 'salon', 'other');
CREATE TYPE customer_language AS ENUM ('arabic', 'arabizi', 'english', 'french');
CREATE TYPE subscription_type AS ENUM ('standard', 'premium');
CREATE TYPE subscription_status AS ENUM ('active', 'past_due', 'canceled');
CREATE TYPE owner_type AS ENUM ('business', 'branch');
CREATE TYPE day_of_week AS ENUM ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday');
CREATE TYPE policy_type AS ENUM ('delivery', 'refund', 'cancellation', 'custom');
CREATE TYPE item_availability AS ENUM ('available', 'out_of_stock', 'hidden');

-- Stable keys as a business owner types them in YAML: lowercase words joined by hyphens.
CREATE DOMAIN config_key AS text CHECK (VALUE ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$');

-- Keeps updated_at honest on every UPDATE, whoever writes.
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TABLE locations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The business a config-owned location belongs to; NULL for a customer's delivery address.
    business_id uuid,
    key text,
    city varchar(100),
    street varchar(255),
    building varchar(255),
    floor varchar(50),
    notes text,
    latitude numeric(10, 8) CHECK (latitude BETWEEN -90 AND 90),
    longitude numeric(11, 8) CHECK (longitude BETWEEN -180 AND 180),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_type user_type NOT NULL,
    email varchar(255),
    contact_phone_number varchar(20),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,

    -- Business-only fields.
    slug text UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$'),
    business_name varchar(255),
    business_type business_type,
    default_language customer_language,
    timezone varchar(50) NOT NULL DEFAULT 'Asia/Beirut',
    currency char(3) CHECK (currency ~ '^[A-Z]{3}$'),
    location_id uuid REFERENCES locations (id),

    -- WhatsApp, the business-level default number.
    whatsapp_phone_number varchar(20),
    whatsapp_phone_number_id varchar(255),
    whatsapp_access_token_encrypted text,

    -- Subscription: platform billing state, set by an admin, never by tenant config.
    subscription_type subscription_type DEFAULT 'standard',
    subscription_price numeric(10, 2) CHECK (subscription_price >= 0),
    subscription_started_at timestamptz,
    subscription_ends_at timestamptz,
    subscription_status subscription_status DEFAULT 'active',

    -- Business settings.
    allow_scheduled_orders boolean NOT NULL DEFAULT true,
    allow_delivery boolean NOT NULL DEFAULT true,
    allow_takeaway boolean NOT NULL DEFAULT true,
    allow_on_site boolean NOT NULL DEFAULT true,

    CONSTRAINT users_business_fields CHECK (
        user_type <> 'business'
        OR (slug IS NOT NULL AND business_name IS NOT NULL AND business_type IS NOT NULL AND currency IS NOT NULL)
    ),
    CONSTRAINT users_subscription_period CHECK (
        subscription_ends_at IS NULL OR subscription_started_at IS NULL
        OR subscription_ends_at >= subscription_started_at
    )
);

ALTER TABLE locations ADD FOREIGN KEY (business_id) REFERENCES users (id);

CREATE TABLE branches (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES users (id),
    key config_key NOT NULL,
    branch_name varchar(255) NOT NULL,
    location_id uuid REFERENCES locations (id),
    contact_phone_number varchar(20),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,

    whatsapp_phone_number varchar(20),
    whatsapp_phone_number_id varchar(255),
    whatsapp_access_token_encrypted text,

    min_order_value numeric(10, 2) CHECK (min_order_value >= 0),
    avg_preparation_time_minutes integer CHECK (avg_preparation_time_minutes >= 0),
    service_radius_km numeric(6, 2) CHECK (service_radius_km >= 0),
    -- Distance bands and their fees, e.g. [{"up_to_km": 2, "fee": "1.00"}].
    delivery_fee_rules jsonb CHECK (delivery_fee_rules IS NULL OR jsonb_typeof(delivery_fee_rules) = 'array'),

    UNIQUE (business_id, key)
);

CREATE TABLE opening_hours (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES users (id),
    owner_type owner_type NOT NULL,
    owner_id uuid NOT NULL,
    day_of_week day_of_week NOT NULL,
    -- A close earlier than the open means the day's service ends after midnight; 24:00 is allowed.
    open_time time,
    close_time time,
    is_closed boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT opening_hours_times CHECK (is_closed OR (open_time IS NOT NULL AND close_time IS NOT NULL)),
    CONSTRAINT opening_hours_owner CHECK (owner_type <> 'business' OR owner_id = business_id)
);

CREATE TABLE date_overrides (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES users (id),
    owner_type owner_type NOT NULL,
    owner_id uuid NOT NULL,
    date date NOT NULL,
    is_closed boolean NOT NULL DEFAULT false,
    open_time time,
    close_time time,
    note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT date_overrides_times CHECK (is_closed OR (open_time IS NOT NULL AND close_time IS NOT NULL)),
    CONSTRAINT date_overrides_owner CHECK (owner_type <> 'business' OR owner_id = business_id)
);

CREATE TABLE policies (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES users (id),
    owner_type owner_type NOT NULL,
    owner_id uuid NOT NULL,
    key config_key NOT NULL,
    policy_type policy_type NOT NULL,
    title varchar(255),
    description text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (owner_type, owner_id, key),
    CONSTRAINT policies_owner CHECK (owner_type <> 'business' OR owner_id = business_id)
);

CREATE TABLE menus (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES users (id),
    key config_key NOT NULL,
    name varchar(255) NOT NULL,
    description text,
    is_shared boolean NOT NULL DEFAULT false,
    menu_image_url text,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (business_id, key)
);

CREATE TABLE branch_menus (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    branch_id uuid NOT NULL REFERENCES branches (id),
    menu_id uuid NOT NULL REFERENCES menus (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (branch_id, menu_id)
);

CREATE TABLE items (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES users (id),
    menu_id uuid NOT NULL REFERENCES menus (id),
    key config_key NOT NULL,
    name varchar(255) NOT NULL,
    description text,
    price numeric(10, 2) NOT NULL CHECK (price >= 0),
    cost numeric(10, 2) CHECK (cost >= 0),
    preparation_time_minutes integer CHECK (preparation_time_minutes >= 0),
    availability item_availability NOT NULL DEFAULT 'available',
    item_image_url text,
    is_featured boolean NOT NULL DEFAULT false,
    tags text[] NOT NULL DEFAULT '{}',
    -- The item's name in other languages, e.g. {"arabic": "شاورما دجاج"}.
    translations jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(translations) = 'object'),
    -- How customers really write it: Arabizi, misspellings, French.
    aliases text[] NOT NULL DEFAULT '{}',
    -- For bookable services (court slots, salon appointments).
    duration_minutes integer CHECK (duration_minutes > 0),
    capacity integer CHECK (capacity > 0),
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (business_id, key)
);

-- An option group of an item (Size, Without, Extras) and how many of its choices a customer picks.
CREATE TABLE item_option_groups (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id uuid NOT NULL REFERENCES items (id),
    key config_key NOT NULL,
    name varchar(255) NOT NULL,
    translations jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(translations) = 'object'),
    min_choices integer NOT NULL DEFAULT 0 CHECK (min_choices >= 0),
    max_choices integer CHECK (max_choices >= 1),
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (item_id, key),
    CONSTRAINT item_option_groups_bounds CHECK (max_choices IS NULL OR max_choices >= min_choices)
);

-- A choice within a group (Large, No garlic) and what it adds to the item's price.
CREATE TABLE item_options (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id uuid NOT NULL REFERENCES items (id),
    group_id uuid NOT NULL REFERENCES item_option_groups (id),
    key config_key NOT NULL,
    name varchar(255) NOT NULL,
    translations jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(translations) = 'object'),
    aliases text[] NOT NULL DEFAULT '{}',
    price_delta numeric(10, 2) NOT NULL DEFAULT 0 CHECK (price_delta >= 0),
    availability item_availability NOT NULL DEFAULT 'available',
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (group_id, key)
);

CREATE TABLE item_ingredients (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id uuid NOT NULL REFERENCES items (id),
    ingredient_name varchar(255) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (item_id, ingredient_name)
);

CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER locations_updated_at BEFORE UPDATE ON locations FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER branches_updated_at BEFORE UPDATE ON branches FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER opening_hours_updated_at BEFORE UPDATE ON opening_hours
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER date_overrides_updated_at BEFORE UPDATE ON date_overrides
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER policies_updated_at BEFORE UPDATE ON policies FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER menus_updated_at BEFORE UPDATE ON menus FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER items_updated_at BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER item_option_groups_updated_at BEFORE UPDATE ON item_option_groups
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER item_options_updated_at BEFORE UPDATE ON item_options
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- SPEC.md §8.
CREATE INDEX branches_business_id_idx ON branches (business_id);
CREATE INDEX menus_business_id_idx ON menus (business_id);
CREATE INDEX items_business_id_idx ON items (business_id);
CREATE INDEX items_menu_id_idx ON items (menu_id);
CREATE INDEX branch_menus_branch_id_idx ON branch_menus (branch_id);
CREATE INDEX branch_menus_menu_id_idx ON branch_menus (menu_id);
CREATE UNIQUE INDEX branches_whatsapp_phone_number_id_key ON branches (whatsapp_phone_number_id)
    WHERE whatsapp_phone_number_id IS NOT NULL;
CREATE UNIQUE INDEX users_whatsapp_phone_number_id_key ON users (whatsapp_phone_number_id)
    WHERE whatsapp_phone_number_id IS NOT NULL;

-- Lookups the reconciler and the runtime make.
CREATE UNIQUE INDEX locations_business_key ON locations (business_id, key) WHERE key IS NOT NULL;
CREATE INDEX opening_hours_owner_idx ON opening_hours (owner_type, owner_id);
CREATE INDEX date_overrides_owner_idx ON date_overrides (owner_type, owner_id, date);
CREATE INDEX policies_owner_idx ON policies (owner_type, owner_id);
CREATE INDEX item_option_groups_item_id_idx ON item_option_groups (item_id);
CREATE INDEX item_options_item_id_idx ON item_options (item_id);
CREATE INDEX item_options_group_id_idx ON item_options (group_id);
CREATE INDEX item_ingredients_item_id_idx ON item_ingredients (item_id);
