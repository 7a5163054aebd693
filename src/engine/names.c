/* Generated container names, in docker's adjective_surname form. */
#include "engine-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const char *const adjectives[] = {
	"admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome",
	"beautiful", "blissful", "bold", "brave", "busy", "charming", "clever", "compassionate",
	"competent", "condescending", "confident", "cool", "cranky", "crazy", "dazzling",
	"determined", "distracted", "dreamy", "eager", "ecstatic", "elastic", "elated",
	"elegant", "eloquent", "epic", "exciting", "fervent", "festive", "flamboyant", "focused",
	"friendly", "frosty", "funny", "gallant", "gifted", "goofy", "gracious", "great",
	"happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible", "inspiring",
	"intelligent", "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving",
	"lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice",
	"nifty", "nostalgic", "objective", "optimistic", "peaceful", "pedantic", "pensive",
	"practical", "priceless", "quirky", "quizzical", "recursing", "relaxed", "reverent",
	"romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange", "stupefied",
	"suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant",
	"vigilant", "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous",
	"zen",
};

static const char *const surnames[] = {
	"agnesi", "albattani", "allen", "almeida", "antonelli", "archimedes", "ardinghelli",
	"aryabhata", "austin", "babbage", "banach", "banzai", "bardeen", "bartik", "bassi",
	"beaver", "bell", "benz", "bhabha", "bhaskara", "black", "blackburn", "blackwell",
	"bohr", "booth", "borg", "bose", "bouman", "boyd", "brahmagupta", "brattain", "brown",
	"buck", "burnell", "cannon", "carson", "cartwright", "carver", "cerf", "chandrasekhar",
	"chaplygin", "chatelet", "chatterjee", "chaum", "chebyshev", "clarke", "cohen", "colden",
	"cori", "cray", "curie", "darwin", "davinci", "dewdney", "dhawan", "diffie", "dijkstra",
	"dirac", "driscoll", "dubinsky", "easley", "edison", "einstein", "elbakyan", "elgamal",
	"elion", "ellis", "engelbart", "euclid", "euler", "faraday", "feistel", "fermat",
	"fermi", "feynman", "franklin", "gagarin", "galileo", "galois", "ganguly", "gates",
	"gauss", "germain", "goldberg", "goldstine", "goldwasser", "golick", "goodall", "gould",
	"greider", "grothendieck", "haibt", "hamilton", "haslett", "hawking", "heisenberg",
	"hellman", "hermann", "herschel", "hertz", "heyrovsky", "hodgkin", "hofstadter",
	"hoover", "hopper", "hugle", "hypatia", "ishizaka", "jackson", "jang", "jemison",
	"jennings", "jepsen", "johnson", "joliot", "jones", "kalam", "kapitsa", "kare",
	"keldysh", "keller", "kepler", "khayyam", "khorana", "kilby", "kirch", "knuth",
	"kowalevski", "lalande", "lamarr", "lamport", "leakey", "leavitt", "lederberg",
	"lehmann", "lewin", "lichterman", "liskov", "lovelace", "lumiere", "mahavira",
	"margulis", "matsumoto", "maxwell", "mayer", "mccarthy", "mcclintock", "mclaren",
	"mclean", "mcnulty", "meitner", "mendel", "mendeleev", "meninsky", "merkle",
	"mestorf", "mirzakhani", "montalcini", "moore", "morse", "moser", "murdock", "napier",
	"nash", "neumann", "newton", "nightingale", "nobel", "noether", "northcutt", "noyce",
	"panini", "pare", "pascal", "pasteur", "payne", "perlman", "pike", "poincare",
	"poitras", "proskuriakova", "ptolemy", "raman", "ramanujan", "rhodes", "ride",
	"ritchie", "robinson", "roentgen", "rosalind", "rubin", "saha", "sammet", "sanderson",
	"satoshi", "shamir", "shannon", "shaw", "shirley", "shockley", "shtern", "sinoussi",
	"snyder", "solomon", "spence", "stonebraker", "sutherland", "swanson", "swartz",
	"swirles", "taussig", "tesla", "tharp", "thompson", "torvalds", "tu", "turing",
	"varahamihira", "vaughan", "villani", "visvesvaraya", "volhard", "wescoff", "wilbur",
	"wiles", "williams", "williamson", "wilson", "wing", "wozniak", "wright", "wu", "yalow",
	"yonath", "zhukovsky",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static unsigned rnd(void)
{
	unsigned v = 0;
	while (getrandom(&v, sizeof(v), 0) != sizeof(v))
		;
	return v;
}

char *names_generate(struct engine *eng)
{
	char buf[128];

	for (int attempt = 0;; attempt++) {
		const char *a = adjectives[rnd() % COUNT(adjectives)];
		const char *s = surnames[rnd() % COUNT(surnames)];
		if (!strcmp(a, "boring") && !strcmp(s, "wozniak"))
			continue; /* Steve Wozniak is not boring */
		if (attempt < 10)
			snprintf(buf, sizeof(buf), "%s_%s", a, s);
		else
			snprintf(buf, sizeof(buf), "%s_%s%u", a, s, rnd() % 10);
		if (!container_by_name_locked(eng, buf))
			return strdup(buf);
	}
}
