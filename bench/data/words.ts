/**
 * Vocabulary for generated site content: common English words, web and shop terms, some Dutch,
 * German and Spanish words with accents, and a few emoji, so text compresses like real posts
 * (a Zipf-like mix of short frequent words and longer rare ones) rather than like repeated lorem ipsum.
 */
const COMMON = `the of and to a in is it you that he was for on are with as I his they be at one have this from or
had by hot word but what some we can out other were all there when up use your how said an each she which do
their time if will way about many then them write would like so these her long make thing see him two has look
more day could go come did number sound no most people my over know water than call first who may down side been
now find any new work part take get place made live where after back little only round man year came show every
good me give our under name very through just form sentence great think say help low line differ turn cause much
mean before move right boy old too same tell does set three want air well also play small end put home read hand
port large spell add even land here must big high such follow act why ask men change went light kind off need house
picture try us again animal point mother world near build self earth father head stand own page should country found
answer school grow study still learn plant cover food sun four between state keep eye never last let thought city tree
cross farm hard start might story saw far sea draw left late run while press close night real life few north open`.split(
  /\s+/,
);

const WEB = `website page post category tag archive comment reply author editor admin plugin theme widget menu footer
header sidebar gallery image video upload download contact newsletter subscribe privacy policy cookie consent account
login password checkout cart product order shipping delivery invoice discount coupon price stock variant review rating
customer support booking reservation event calendar location opening hours team vacancy career project portfolio client
agency service pricing feature integration dashboard analytics report campaign marketing content strategy design
development hosting backup security performance cache database server deployment release update version changelog
responsive mobile accessibility language translation search filter sort results summary details overview introduction`.split(
  /\s+/,
);

const ACCENTED = `café naïve résumé façade jalapeño über Straße Grüße schön Müller Zürich señor niño mañana años
accessoire één reünie coördinatie ideeën financiële België crème brûlée déjà vu São Paulo Kraków Ångström smørrebrød
ørsted Ærø fiancée piñata garçon Ünïcödé`.split(/\s+/);

const EMOJI = ['🚀', '✅', '🎉', '👍', '☕', '📦', '🔒', '⭐'];

/** Words weighted towards the frequent ones: common words appear about three times as often. */
export const WORDS: readonly string[] = [...COMMON, ...COMMON, ...COMMON, ...WEB, ...WEB, ...ACCENTED, ...EMOJI];

/** Meta keys seen in WordPress `wp_postmeta` tables. */
export const META_KEYS: readonly string[] = [
  '_edit_lock',
  '_edit_last',
  '_thumbnail_id',
  '_wp_page_template',
  '_wp_attached_file',
  '_wp_attachment_metadata',
  '_yoast_wpseo_title',
  '_yoast_wpseo_metadesc',
  '_price',
  '_regular_price',
  '_sku',
  '_stock',
  '_stock_status',
  'total_sales',
  '_elementor_data',
  '_menu_item_url',
];

export const POST_STATUSES: readonly string[] = [
  'publish',
  'publish',
  'publish',
  'draft',
  'inherit',
  'private',
  'trash',
];
export const POST_TYPES: readonly string[] = [
  'post',
  'post',
  'page',
  'attachment',
  'revision',
  'revision',
  'product',
  'nav_menu_item',
];
export const MIME_TYPES: readonly string[] = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'application/pdf',
  'application/octet-stream',
];
