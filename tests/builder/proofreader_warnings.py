"""The warnings the proofreader's checks give on the real content: what a careful Slovenian
proofreader of the seed finds there (test_proofreading.py and test_validate.py compare with it)."""

# What a careful Slovenian proofreader of the seed finds, beyond validate's structural checks:
# (file in content/, field, message). 65 warnings; with validate's 20 the content has 85.
PROOFREADER_WARNINGS = {
    (
        "canvases/assessment-plan.yaml",
        "title",
        "aktivnost 2.2, kanvas: 'nivoji' for a level; elsewhere the course says 'raven' (16 times, first at units/u4.yaml:14)",
    ),
    (
        "canvases/content-elements.yaml",
        "intro[0]",
        "aktivnost 4.3, kanvas: a hyphen between spaces in 'C1 - C3': a dash is 'C1 – C3', a range 'C1–C3'",
    ),
    (
        "canvases/content-elements.yaml",
        "intro[0]",
        "aktivnost 4.3, kanvas: the sentence stops without a full stop: ends with '(C1 - C3)'",
    ),
    (
        "canvases/levels.yaml",
        "fields[0].help",
        "aktivnost 4.2, kanvas: 'učne rezultate' for a learning outcome; elsewhere the course says 'učni izid' (13 times, first at course.yaml:22)",
    ),
    (
        "canvases/levels.yaml",
        "title",
        "aktivnost 4.2, kanvas: 'ogrodjem EOK' for the EQF framework; elsewhere the course says 'okvir EOK' (5 times, first at units/u4.yaml:56)",
    ),
    (
        "course.yaml",
        "introduction[0]",
        "uvod: the abbreviation 'PR3' is never introduced (nowhere '… (PR3)'); the course uses it in 1 text",
    ),
    (
        "course.yaml",
        "overview.paragraphs[0]",
        "pregled učnih enot: 'učna enota' is defined here as 60 minutes, but it is also the name of the course's units ('Učna enota 3' in aktivnost 4.1 and 4 more texts), so unit 4 is '3 učne enote' long",
    ),
    (
        "course.yaml",
        "overview.units[0].contents[0]",
        "aktivnost 1.1: the overview table writes its title 'Kaj je mikrodokazilo', the activity 'Kaj je mikrodokazilo?'",
    ),
    (
        "course.yaml",
        "overview.units[0].contents[1]",
        "aktivnost 1.2: the overview table writes its title 'Kaj ne spada med mikrodokazila', the activity 'Kaj ne spada med mikrodokazila?'",
    ),
    (
        "course.yaml",
        "overview.units[2].contents[0]",
        "pregled učnih enot, učna enota 3: a comma before 'itd.' in 'seminarji, itd.': Slovenian writes none",
    ),
    (
        "course.yaml",
        "overview.units[5].title",
        "pregled učnih enot, učna enota 6: the same title as unit 4 ('Čas za vajo')",
    ),
    (
        "course.yaml",
        "overview.units[6].title",
        "pregled učnih enot, učna enota 7: the abbreviation 'VŠ' is never introduced (nowhere '… (VŠ)'); the course uses it in 1 text",
    ),
    (
        "course.yaml",
        "project",
        "naslovnica: 'MICRO QUEST' is written 'MICROQUEST' elsewhere in the course (2 times, first at course.yaml:13)",
    ),
    (
        "units/u1.yaml",
        "activities[0].description[0].paragraphs[0]",
        "aktivnost 1.1: the abbreviation 'ES' is never introduced (nowhere '… (ES)'); the course uses it in 1 text",
    ),
    (
        "units/u1.yaml",
        "activities[0].description[1].paragraphs[0]",
        "aktivnost 1.1: '10 minutes' is English: in Slovenian '10 minut'",
    ),
    (
        "units/u2.yaml",
        "activities[0].title",
        "aktivnost 2.1: the abbreviation 'MD' is never introduced (nowhere '… (MD)'); the course uses it in 12 texts",
    ),
    (
        "units/u2.yaml",
        "activities[1].description[1].paragraphs[0]",
        "aktivnost 2.2: 'učencem' for the workshop's learners; elsewhere the course says 'udeleženec' (95 times, first at course.yaml:14)",
    ),
    (
        "units/u2.yaml",
        "activities[1].title",
        "aktivnost 2.2: 'nivoji' for a level; elsewhere the course says 'raven' (16 times, first at units/u4.yaml:14)",
    ),
    (
        "units/u3.yaml",
        "activities[0].description[1].points[1].text",
        "aktivnost 3.1: no comma before 'kot so' in 'dela kot so': 'kot' opens a clause ('dela, kot so …')",
    ),
    (
        "units/u3.yaml",
        "activities[0].description[1].points[3].text",
        "aktivnost 3.1: point 4 begins 'Poglobite', an imperative, where the other points continue the lead ('… dosegli, bodo udeleženci:') with 'Predstavili', 'Upoštevali', 'Razmislili'",
    ),
    (
        "units/u3.yaml",
        "activities[0].learning_outcomes.items[2]",
        "aktivnost 3.1: 'lahko povežete' speaks to 'you' in a learning outcome about the learner ('bo udeleženec/-ka lahko …')",
    ),
    (
        "units/u3.yaml",
        "activities[1].description[0].points[1].text",
        "aktivnost 3.2: a comma after 'in' in 'in, v katerem …': 'in' joins the clause, which takes no comma (only an inserted clause, closed by a second comma, does)",
    ),
    (
        "units/u4.yaml",
        "activities[0].description[0].points[0].details[0]",
        "aktivnost 4.1: a range written with a hyphen, '21-29': with a dash, '21–29'",
    ),
    (
        "units/u4.yaml",
        "activities[0].materials[2].text",
        "aktivnost 4.1: a range written with a hyphen, '21-29': with a dash, '21–29'",
    ),
    (
        "units/u4.yaml",
        "activities[0].title",
        "aktivnost 4.1: 'učnih rezultatov' for a learning outcome; elsewhere the course says 'učni izid' (13 times, first at course.yaml:22)",
    ),
    (
        "units/u4.yaml",
        "activities[1].canvas",
        "aktivnost 4.2: its canvas has no number, the canvases before it are numbered (U3/C1, U3/C2, U4/C3)",
    ),
    (
        "units/u4.yaml",
        "activities[1].learning_outcomes.items[0]",
        "aktivnost 4.2: 'učne rezultate' for a learning outcome; elsewhere the course says 'učni izid' (13 times, first at course.yaml:22)",
    ),
    (
        "units/u4.yaml",
        "activities[1].title",
        "aktivnost 4.2: 'ogrodjem EOK' for the EQF framework; elsewhere the course says 'okvir EOK' (5 times, first at units/u4.yaml:56)",
    ),
    (
        "units/u4.yaml",
        "activities[2].canvas",
        "aktivnost 4.3: its canvas has no number, the canvases before it are numbered (U3/C1, U3/C2, U4/C3)",
    ),
    (
        "units/u4.yaml",
        "activities[2].description[0].heading",
        "aktivnost 4.3: 'Energizer' is not a Slovenian word (Slovenian words do not end in '-izer')",
    ),
    (
        "units/u4.yaml",
        "activities[2].description[1].paragraphs[1]",
        "aktivnost 4.3: a hyphen between spaces in 'C1 - C3': a dash is 'C1 – C3', a range 'C1–C3'",
    ),
    (
        "units/u4.yaml",
        "activities[2].description[2].heading",
        "aktivnost 4.3: '35 minutes' is English: in Slovenian '35 minut'",
    ),
    (
        "units/u5.yaml",
        "activities[0].canvas",
        "aktivnost 5.1: its canvas has no number, the canvases before it are numbered (U3/C1, U3/C2, U4/C3)",
    ),
    (
        "units/u5.yaml",
        "activities[0].description[0].heading",
        "aktivnost 5.1: 'Aktivnost 1' and 'Aktivnost 2' name parts of this activity, but elsewhere 'aktivnost N' is activity N of a unit ('aktivnosti 2 v Učni enoti 2' in aktivnost 4.1)",
    ),
    (
        "units/u5.yaml",
        "activities[0].description[0].points[1].text",
        "aktivnost 5.1: doubled punctuation '!!': one '!'",
    ),
    (
        "units/u5.yaml",
        "activities[0].description[1].paragraphs[0]",
        "aktivnost 5.1: 'Moderator' for the person who leads the workshop; elsewhere the course says 'mentor' (21 times, first at units/u1.yaml:23)",
    ),
    (
        "units/u5.yaml",
        "activities[0].description[1].paragraphs[1]",
        "aktivnost 5.1: 'Moderator' for the person who leads the workshop; elsewhere the course says 'mentor' (21 times, first at units/u1.yaml:23)",
    ),
    (
        "units/u5.yaml",
        "activities[0].materials[2].text",
        "aktivnost 5.1: 'Flipchart' is not a Slovenian word (Slovenian spelling has no 'ch')",
    ),
    (
        "units/u5.yaml",
        "activities[0].organisational_requirements",
        "aktivnost 5.1: 'Flipchart' is not a Slovenian word (Slovenian spelling has no 'ch')",
    ),
    (
        "units/u5.yaml",
        "activities[1].description[1].paragraphs[0]",
        "aktivnost 5.2: 'Aktivnost 1' and 'Aktivnost 2' name parts of this activity, but elsewhere 'aktivnost N' is activity N of a unit ('aktivnosti 2 v Učni enoti 2' in aktivnost 4.1)",
    ),
    (
        "units/u5.yaml",
        "activities[1].materials[0].text",
        "aktivnost 5.2: the materials name a video ('video'), but no resource links one",
    ),
    (
        "units/u5.yaml",
        "activities[1].resources[2]",
        "aktivnost 5.2: the link opens the Finnish edition of the page ('/fi/')",
    ),
    (
        "units/u6.yaml",
        "activities[0].description[0].paragraphs[0]",
        "aktivnost 6.1: 'te učne enote' calls this activity a unit ('enota'), but it is one of the 3 activities of unit 6",
    ),
    (
        "units/u6.yaml",
        "activities[0].description[1].paragraphs[0]",
        "aktivnost 6.1: 'ECDI' and 'EDCI' (units/u6.yaml:15) have the same letters in another order: the same abbreviation?",
    ),
    (
        "units/u6.yaml",
        "activities[0].description[1].paragraphs[1]",
        "aktivnost 6.1: 'ECDI' and 'EDCI' (units/u6.yaml:15) have the same letters in another order: the same abbreviation?",
    ),
    (
        "units/u6.yaml",
        "activities[0].description[1].paragraphs[1]",
        "aktivnost 6.1: 'te enote' calls this activity a unit ('enota'), but it is one of the 3 activities of unit 6",
    ),
    (
        "units/u6.yaml",
        "activities[0].description[2].paragraphs[0]",
        "aktivnost 6.1: 'te enote' calls this activity a unit ('enota'), but it is one of the 3 activities of unit 6",
    ),
    (
        "units/u6.yaml",
        "activities[0].learning_outcomes.items[0]",
        "aktivnost 6.1: 'digitalna potrdila' for digital credentials; elsewhere the course says 'digitalna dokazila' (7 times, first at units/u5.yaml:51)",
    ),
    (
        "units/u6.yaml",
        "activities[0].learning_outcomes.items[0]",
        "aktivnost 6.1: a comma after 'in' in 'in, kako se …': 'in' joins the clause, which takes no comma (only an inserted clause, closed by a second comma, does)",
    ),
    (
        "units/u6.yaml",
        "activities[0].organisational_requirements",
        "aktivnost 6.1: 'Power point' is written 'PowerPoint' elsewhere in the course (15 times, first at units/u1.yaml:18)",
    ),
    (
        "units/u6.yaml",
        "activities[0].resources[2]",
        "aktivnost 6.1: the link opens the German edition of the page ('/de/')",
    ),
    (
        "units/u6.yaml",
        "activities[0].resources[3]",
        "aktivnost 6.1: the link opens the German edition of the page ('/de/')",
    ),
    (
        "units/u6.yaml",
        "activities[0].title",
        "aktivnost 6.1: 'Digitalna potrdila' for digital credentials; elsewhere the course says 'digitalna dokazila' (7 times, first at units/u5.yaml:51)",
    ),
    (
        "units/u6.yaml",
        "activities[1].description[0].paragraphs[0]",
        "aktivnost 6.2: a comma after 'in' in 'in, kako prispevajo …': 'in' joins the clause, which takes no comma (only an inserted clause, closed by a second comma, does)",
    ),
    (
        "units/u6.yaml",
        "activities[1].learning_outcomes.items[0]",
        "aktivnost 6.2: item 1 ends with '.', but the list goes on (its other items end with ',')",
    ),
    (
        "units/u6.yaml",
        "activities[1].organisational_requirements",
        "aktivnost 6.2: 'Power point' is written 'PowerPoint' elsewhere in the course (15 times, first at units/u1.yaml:18)",
    ),
    (
        "units/u6.yaml",
        "activities[2].description[1].paragraphs[0]",
        "aktivnost 6.3: 'Organizator' for the person who leads the workshop; elsewhere the course says 'mentor' (21 times, first at units/u1.yaml:23)",
    ),
    (
        "units/u6.yaml",
        "activities[2].learning_outcomes.items[0]",
        "aktivnost 6.3: item 1 ends with '.', but the list goes on (its other items end with ',')",
    ),
    (
        "units/u6.yaml",
        "activities[2].materials[1].text",
        "aktivnost 6.3: the materials name a video ('spletne strani, videi'), but no resource links one",
    ),
    (
        "units/u6.yaml",
        "activities[2].organisational_requirements",
        "aktivnost 6.3: 'Power point' is written 'PowerPoint' elsewhere in the course (15 times, first at units/u1.yaml:18)",
    ),
    (
        "units/u7.yaml",
        "activities[0].assessment[0]",
        "aktivnost 7.1: 'flipchart' is not a Slovenian word (Slovenian spelling has no 'ch')",
    ),
    (
        "units/u7.yaml",
        "activities[0].description[1].paragraphs[0]",
        "aktivnost 7.1: the text sends the reader to a link ('klikom na povezavo'), but the activity lists none",
    ),
    (
        "units/u7.yaml",
        "activities[0].materials[1].text",
        "aktivnost 7.1: 'Flipchart' is not a Slovenian word (Slovenian spelling has no 'ch')",
    ),
    (
        "units/u7.yaml",
        "activities[1].materials[0].text",
        "aktivnost 7.2: 'Flipchart' is not a Slovenian word (Slovenian spelling has no 'ch')",
    ),
    (
        "units/u7.yaml",
        "activities[1].materials[1].text",
        "aktivnost 7.2: 'listki' for the post-it notes; elsewhere the course says 'lističi' (4 times, first at units/u7.yaml:17)",
    ),
}
