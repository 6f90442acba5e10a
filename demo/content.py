"""Text of the fictional agency: names, contacts, units, news topics, documents and English copy.

Pure data. No site text may mention 訴願 or 請願: GIPA Art. 7 item 7 is deliberately absent from
the site, and a stray keyword would give the auditor evidence the ground truth says does not exist.
"""

AGENCY = "數位服務示範署"
AGENCY_EN = "Digital Service Demonstration Agency"
AGENCY_ABBR_EN = "DSDA"
AGENCY_CODE = "999990000Z"  # DC.Identifier: a 機關代碼-shaped value no real agency uses
DOMAIN = "demo.gov.tw"
FICTION_NOTE = "本網站為 govaudit 稽核工具之示範網站，機關名稱、人員及內容均屬虛構。"
FICTION_NOTE_EN = "This is a fictional demonstration site for the govaudit auditor; all content is invented."

ADDRESS = "100099 臺北市中正區示範路100號"
ADDRESS_EN = "No. 100, Shifan Rd., Zhongzheng Dist., Taipei City 100099, Taiwan (R.O.C.)"
PHONE = "(02)2345-6789"
PHONE_TEL = "+886-2-2345-6789"
FAX = "(02)2345-6780"
FAX_EN = "+886-2-2345-6780"
EMAIL = "service@demo.gov.tw"
HOURS = "週一至週五 08:30-12:30、13:30-17:30（國定假日除外）"
HOURS_EN = "Monday to Friday, 8:30 a.m. to 5:30 p.m. (closed on national holidays)"

BADGE_URL = "https://accessibility.moda.gov.tw/Applications/Detail?category=20241030155045"
FACEBOOK_URL = "https://www.facebook.com/demo.gov.tw"
EGOV_URL = "https://www.gov.tw/"
PCC_URL = "https://web.pcc.gov.tw/"
DATA_GOV_URL = "https://data.gov.tw/"
REPORT_NAT_URL = "https://report.nat.gov.tw/"
GRB_URL = "https://www.grb.gov.tw/"
MAP_EMBED_URL = "https://www.google.com/maps/embed?pb=demo-shifan-road&hl=zh-TW"


def law_url(pcode: str) -> str:
    return f"https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode={pcode}"


# (slug, name, head, phone extension, mailbox, duties). The slug gives the section id "div-<slug>".
UNITS = [
    (
        "planning",
        "綜合規劃組",
        "組長 黃安平",
        "1101",
        "planning",
        [
            "本署中長程發展策略、年度施政計畫之研擬及管考。",
            "政府網站服務品質指標之規劃、評核及推廣。",
            "跨機關數位服務協調及數位包容政策之推動。",
        ],
    ),
    (
        "service",
        "數位服務組",
        "組長 吳思源",
        "1201",
        "eservice",
        [
            "線上申辦服務之設計、使用者研究及易用性測試。",
            "數位身分識別、電子表單及行動化服務之推動。",
            "公共程式及共用元件之開發、釋出與維運。",
        ],
    ),
    (
        "data",
        "資料治理組",
        "組長 許文華",
        "1301",
        "data",
        [
            "資料開放、資料標準及詮釋資料規範之推動。",
            "跨機關資料傳輸及資料品質之管理。",
            "政府文件標準格式（ODF-CNS15251）之推廣及輔導。",
        ],
    ),
    (
        "security",
        "資安及隱私組",
        "組長 鄭明哲",
        "1401",
        "security",
        [
            "機關網站資安健檢、弱點通報及應變演練。",
            "個人資料保護管理制度之建立及稽核。",
        ],
    ),
    (
        "accessibility",
        "無障礙推動組",
        "組長 蔡佳蓉",
        "1501",
        "a11y",
        [
            "網站無障礙規範之宣導、檢測輔導及教育訓練。",
            "語音、影像及易讀版等輔助服務之推廣。",
        ],
    ),
    (
        "secretariat",
        "秘書室",
        "主任 周文德",
        "1601",
        "secretariat",
        [
            "文書、檔案、出納、總務、採購及公共關係業務。",
            "民意信箱案件之收辦、分文及管考。",
        ],
    ),
    ("personnel", "人事室", "主任 劉怡君", "1701", "personnel", ["本署人事管理、考訓及員工協助業務。"]),
    ("ethics", "政風室", "主任 楊立誠", "1801", "ethics", ["廉政宣導、政風預防及機關安全維護業務。"]),
    ("accounting", "主計室", "主任 謝淑芬", "1901", "accounting", ["歲計、會計及統計業務。"]),
]

LEADERS = [
    (
        "署長",
        "陳示範",
        "美國卡內基美隆大學資訊管理博士；曾任國立大學資訊管理學系教授、政府數位轉型專案計畫主持人。",
    ),
    ("副署長", "林範例", "國立臺灣大學資訊工程學系碩士；曾任地方政府資訊中心主任，長期投入公共服務數位化。"),
    ("主任秘書", "張測試", "國立政治大學公共行政學系碩士；曾任中央部會秘書室主任、參事。"),
]

HISTORY = [
    (0, "本署籌備處成立，辦理政府數位服務示範及輔導業務。"),
    (1, "「數位服務示範署組織法」公布施行，本署正式成立。"),
    (3, "啟用本署全球資訊網，並通過 AA 等級無障礙網頁檢測。"),
    (5, "推動政府網站服務品質評核，輔導超過三百個機關網站。"),
]  # (years after founding, event); the founding year is set relative to today

# News: every item is a topic × a headline pattern, so 200 items read naturally without repetition.
NEWS_TOPICS = [
    ("數位身分識別", "數位服務組"),
    ("開放資料平臺", "資料治理組"),
    ("網站無障礙檢測", "無障礙推動組"),
    ("政府網站資安健檢", "資安及隱私組"),
    ("個人資料保護", "資安及隱私組"),
    ("公共服務雲端化", "數位服務組"),
    ("數位包容", "綜合規劃組"),
    ("行動化服務", "數位服務組"),
    ("ODF文件格式", "資料治理組"),
    ("政府網站服務品質", "綜合規劃組"),
    ("跨機關資料傳輸", "資料治理組"),
    ("數位韌性演練", "資安及隱私組"),
    ("偏鄉數位培力", "綜合規劃組"),
    ("電子表單", "數位服務組"),
    ("語音及影像輔助服務", "無障礙推動組"),
    ("資料標準", "資料治理組"),
    ("公共程式", "數位服務組"),
    ("廉政倫理", "政風室"),
    ("數位治理人才培訓", "人事室"),
]
NEWS_HEADLINES = [
    "本署舉辦「{topic}」說明會，歡迎各界踴躍報名",
    "{topic}推動成果發表，共{n}個機關參與",
    "「{topic}」線上服務{m}月{d}日起正式上線",
    "本署「{topic}」工作坊第{n}梯次開放報名",
    "{topic}系統{m}月{d}日例行維護，暫停服務",
    "{topic}使用者問卷調查結果出爐",
    "本署與地方政府攜手推動{topic}",
    "{topic}宣導影片正式發布",
    "{topic}專區內容更新，新增常見問題",
    "本署{topic}成果獲國際研討會邀請分享",
]
NEWS_PARAGRAPHS = [
    "{agency}（以下簡稱本署）為推動{topic}，由{dept}規劃辦理相關工作，期提升民眾使用政府數位服務之便利性。",
    "本案自規劃階段即邀請使用者參與測試，並參考各機關回饋意見滾動修正，相關資料已同步公開於本署網站。",
    "如有任何疑問，請洽{dept}，電話{phone}，或以電子郵件與本署聯繫，本署將儘速回覆。",
]

# GIPA Art. 7 category pages: (truth key, path, title). Order = order on the disclosure hub.
GOV_INFO = [
    ("art7-1", "/gov-info/regulations.html", "主管法規"),
    ("art7-2", "/gov-info/administrative-rules.html", "行政規則（解釋性規定及裁量基準）"),
    ("art7-3", "/gov-info/organization.html", "組織職掌及聯絡資訊"),
    ("art7-4", "/gov-info/administrative-guidance.html", "行政指導有關文書"),
    ("art7-5a", "/gov-info/policy-plans.html", "施政計畫"),
    ("art7-5b", "/gov-info/statistics.html", "業務統計"),
    ("art7-5c", "/gov-info/research-reports.html", "研究報告"),
    ("art7-6", "/gov-info/budget.html", "預算及決算書"),
    ("art7-8", "/gov-info/procurement.html", "採購契約"),
    ("art7-9", "/gov-info/grants.html", "支付或接受之補助"),
    ("art7-10", "/gov-info/meeting-minutes.html", "委員會議紀錄"),
]

# (name, law.moj pcode or None for our own PDF, description)
LAWS = [
    ("數位服務示範署組織法", None, "規定本署之設立目的、掌理事項及組織。"),
    ("數位服務示範署處務規程", None, "規定本署各單位之分工職掌。"),
    ("政府資訊公開法", "I0020026", "本署主動公開政府資訊之依據。"),
    ("個人資料保護法", "I0050021", "本署蒐集、處理及利用個人資料之依據。"),
    ("行政程序法", "A0030055", "本署作成行政行為應遵循之程序。"),
    ("資通安全管理法", "A0030297", "本署資通安全維護之依據。"),
    ("電子簽章法", "J0080037", "電子文件及電子簽章效力之依據。"),
]
ADMIN_RULES = [
    ("數位服務示範署網站管理作業要點", "規範本署網站內容之發布、審核、更新及下架程序。"),
    ("數位服務示範署資料開放作業原則", "規範本署資料集之盤點、釋出及品質維護。"),
    ("數位服務示範署個人資料保護作業規定", "規範個人資料之蒐集、處理、利用及安全維護措施。"),
    ("政府網站無障礙檢測輔導裁量基準", "說明本署辦理無障礙檢測輔導時之審酌事項。"),
    ("線上申辦服務身分驗證方式解釋令", "統一解釋線上申辦服務得採用之身分驗證方式。"),
]
GUIDANCE = [
    ("政府網站服務品質指引", "提供機關規劃、建置及維運網站之作業建議。"),
    ("網站無障礙設計參考手冊", "說明網站無障礙規範各檢測項目之實作方式。"),
    ("政府文件標準格式（ODF）導入手冊", "協助機關將可編輯文件改以 ODF 格式提供下載。"),
    ("數位服務設計白皮書", "闡述本署推動以使用者為中心之數位服務設計理念。"),
]
RESEARCH = [
    ("委託研究", "政府網站使用者體驗調查研究", "國立示範大學公共事務研究中心"),
    ("委託研究", "公部門資料開放成效評估研究", "社團法人示範資料協會"),
    ("委託研究", "高齡者數位服務使用行為研究", "示範科技大學資訊傳播學系"),
    ("出國報告", "赴歐洲參加數位政府論壇出國報告", "綜合規劃組"),
    ("出國報告", "赴日本考察無障礙網站推動制度出國報告", "無障礙推動組"),
]
PROCUREMENT = [
    ("本署全球資訊網維運服務案", 4_980_000),
    ("政府網站無障礙檢測輔導委託服務案", 3_260_000),
    ("資料開放平臺功能擴充案", 7_450_000),
    ("數位服務使用者研究委託服務案", 1_890_000),
    ("本署辦公室網路設備汰換案", 2_120_000),
]
MINUTES_TOPICS = [
    "政府網站服務品質評核指標修正案",
    "年度數位服務示範計畫審議案",
    "資料開放優先釋出資料集審議案",
    "網站無障礙輔導對象遴選原則案",
    "數位包容推動策略審議案",
]
COMMITTEE = ["陳大文", "林小美", "王志明", "張雅婷", "李建國", "黃淑惠", "吳宗翰"]

# (code, name): every form but the last comes as .odt + .docx + .pdf; the last only as .docx.
FORMS = [
    ("f01", "數位服務示範計畫申請書"),
    ("f02", "網站無障礙檢測輔導申請表"),
    ("f03", "開放資料集建議表"),
    ("f04", "公共程式授權使用申請書"),
    ("f05", "政府資訊申請書"),
    ("f06", "說明會報名表"),
    ("f07", "個人資料蒐集同意書"),
]
FORM_WITHOUT_ODF = "f07"

SERVICE_ITEMS = [
    ("數位服務示範計畫申請", "f01", "中央及地方政府機關", "30個工作天"),
    ("網站無障礙檢測輔導", "f02", "政府機關及公立學校", "20個工作天"),
    ("開放資料集建議", "f03", "一般民眾、企業及團體", "15個工作天"),
    ("公共程式授權使用", "f04", "一般民眾、企業及團體", "10個工作天"),
    ("政府資訊申請", "f05", "中華民國國民及依法設立之法人、團體", "15日"),
    ("說明會報名", "f06", "一般民眾", "即時"),
    ("數位培力課程報名", "f06", "一般民眾", "即時"),
    ("網站資安健檢申請", "f01", "政府機關", "20個工作天"),
    ("數位身分識別諮詢", "f01", "政府機關", "7個工作天"),
    ("資料標準諮詢", "f03", "政府機關", "10個工作天"),
    ("電子表單上架申請", "f01", "政府機關", "15個工作天"),
    ("參訪本署申請", "f06", "學校及民間團體", "7個工作天"),
]

FAQ = [
    ("如何申請網站無障礙檢測輔導？", "請填具「網站無障礙檢測輔導申請表」，以電子郵件寄送本署無障礙推動組。"),
    ("本署網站提供哪些文件格式？", "可編輯文件均提供 ODF 格式（.odt、.ods），非可編輯文件提供 PDF 格式。"),
    ("如何查詢本署主管法規？", "請至本署網站「政府資訊公開」之「主管法規」頁面，或至全國法規資料庫查詢。"),
    ("申辦案件處理進度如何查詢？", "請於上班時間致電本署服務專線，並提供申請日期及申請人姓名。"),
    (
        "如何取得本署出版品？",
        "本署出版品電子版均可於「出版品資訊」頁面免費下載，紙本請洽各政府出版品展售門市。",
    ),
    ("開放資料可以做商業利用嗎？", "可以，本署開放資料採政府資料開放授權條款，得為商業利用。"),
    ("民意信箱多久會回覆？", "本署於收件後 6 個工作天內回覆，案情複雜者將先告知處理進度。"),
    ("可以預約參訪本署嗎？", "歡迎學校及民間團體於參訪日 14 日前提出申請。"),
    ("網站資料多久更新一次？", "各單位每月至少檢視一次所管網頁，並依本署網站資料更新規定辦理更新。"),
    ("忘記說明會報名序號怎麼辦？", "請以報名時之電子郵件來信，本署將協助查詢。"),
]

PUBLICATIONS = [
    ("數位服務示範署年報", "年報", "1010000001"),
    ("政府網站服務品質評核報告", "專書", "1010000002"),
    ("數位服務季刊（春季號）", "期刊", "2010000003"),
    ("數位服務季刊（夏季號）", "期刊", "2010000004"),
    ("網站無障礙案例彙編", "專書", "1010000005"),
    ("開放資料應用成果專刊", "專書", "1010000006"),
    ("數位包容推動紀實", "專書", "1010000007"),
    ("公共程式開發實務", "專書", "1010000008"),
    ("數位服務設計白皮書", "白皮書", "1010000009"),
    ("高齡友善數位服務指南", "手冊", "1010000010"),
]

BUSINESS = [
    (
        "digital-id",
        "數位身分識別",
        "推動機關導入一致且安全之數位身分識別機制，讓民眾一次登入即可使用多項服務。",
    ),
    ("open-data", "資料開放", "盤點並釋出高價值資料集，建立資料品質檢核機制，促進加值應用。"),
    ("security", "網站資安", "定期辦理機關網站資安健檢與弱點通報，提升政府網站防護能力。"),
    ("accessibility", "網站無障礙", "輔導機關網站符合網站無障礙規範，並推廣易讀版及多媒體輔助服務。"),
    ("cloud", "公共服務雲端化", "協助機關將線上服務移轉至共用雲端平臺，降低維運成本。"),
    ("inclusion", "數位包容", "於偏鄉及社區辦理數位培力課程，縮短數位落差。"),
    ("odf", "ODF文件格式", "推動政府文件標準格式，機關網站可編輯文件應提供 ODF 格式下載。"),
    ("public-code", "公共程式", "釋出以公共經費開發之程式碼，促進跨機關共享與再利用。"),
]

# The lapsed domain of a former partner association now serves gambling spam.
GAMBLING_TITLE = "金爵娛樂城｜百家樂・線上賭場・運彩投注 首儲送1000"
GAMBLING_LINES = [
    "全台最大線上賭場，真人百家樂、老虎機、運彩一次玩到飽！",
    "娛樂城新會員首儲即送體驗金，出金快速 24 小時不打烊。",
    "加入 LINE 客服，領取百家樂必勝攻略與彩票分析。",
]

# --- English section ------------------------------------------------------------------------------

EN_ABOUT = [
    "The Digital Service Demonstration Agency (DSDA) is a fictional central government agency created "
    "to show how a Taiwanese government website can be audited. It pilots user-centred online services, "
    "helps other agencies adopt accessible and open web standards, and publishes open data.",
    "DSDA works with ministries, local governments and civil society to make public services simple, "
    "secure and available to everyone, including older people and people with disabilities.",
]
EN_MISSION = [
    "Design online services around the needs of citizens, not the structure of government.",
    "Make every government website accessible, secure and easy to find.",
    "Open government data by default and keep it in open formats such as ODF.",
]
EN_PRIVACY = [
    (
        "Scope",
        "This policy applies to the DSDA website. Linked websites of other organisations have their "
        "own privacy policies, which you should read before providing any personal data.",
    ),
    (
        "Collection and use of personal data",
        "When you send us a message or register for an event, we collect "
        "only the data needed to answer you, such as your name and e-mail address, and use it only for that "
        "purpose in accordance with the Personal Data Protection Act.",
    ),
    (
        "Information security",
        "The website is protected by firewalls, intrusion detection and regular "
        "security testing. Access to personal data is limited to authorised staff.",
    ),
    (
        "Sharing and disclosure",
        "We do not sell, rent or share your personal data with third parties, except where required by law.",
    ),
    (
        "Cookies",
        "The website uses only technically necessary cookies and no advertising or tracking cookies.",
    ),
]
EN_OPEN_DATA = [
    "To promote the use of government information, the text, images and data published on this website, "
    "unless otherwise indicated, may be used under the Open Government Data License, version 1.0.",
    "You may copy, adapt, distribute and use the material for commercial and non-commercial purposes, "
    'provided that you attribute the source as "Digital Service Demonstration Agency".',
    "Material whose copyright belongs to third parties, and personal data, are not covered by this declaration.",
]
EN_SERVICES = [
    (
        "Digital service pilots",
        "Agencies can apply to DSDA for help designing and testing a new online service.",
    ),
    (
        "Accessibility coaching",
        "DSDA reviews government websites against the accessibility guidelines and "
        "helps teams fix the problems it finds.",
    ),
    ("Open data advice", "DSDA advises agencies on data standards, metadata and licensing."),
    ("Public code", "Source code funded by DSDA is released under open-source licences for reuse."),
]
EN_NEWS = [
    (
        "DSDA launches accessible online application portal",
        "The new portal lets citizens apply for DSDA services online. It was tested with screen-reader users "
        "and meets accessibility level AA.",
    ),
    (
        "Workshop on open document formats for local governments",
        "Forty officials from local governments joined a hands-on workshop on publishing editable documents "
        "in the Open Document Format.",
    ),
    (
        "Annual report on government website quality released",
        "The report reviews more than three hundred agency websites and finds steady progress in accessibility "
        "and link quality.",
    ),
    (
        "DSDA and partner association host open data forum",
        "Developers, researchers and public servants met to discuss how open data can improve public services.",
    ),
    (
        "New guide helps agencies write in plain language",
        "The guide explains how to write clear instructions for online forms and service pages.",
    ),
    (
        "Cyber resilience exercise completed",
        "DSDA coordinated a two-day exercise with twelve agencies to test incident response procedures.",
    ),
    (
        "Digital inclusion classes reach remote communities",
        "Volunteers taught basic digital skills in community centres in eight rural townships.",
    ),
    (
        "Public code repository passes one hundred projects",
        "Government teams have now released more than one hundred open-source projects for reuse.",
    ),
    (
        "Survey: older adults want simpler login options",
        "A user survey of older adults shows that a simple and consistent login is their top request.",
    ),
    (
        "Data standards committee adopts new address format",
        "The committee approved a common address format to make data exchange between agencies easier.",
    ),
    (
        "DSDA website redesigned for mobile users",
        "The redesigned website adapts to small screens and loads faster on mobile networks.",
    ),
    (
        "Call for proposals: digital service pilots",
        "Agencies are invited to propose online services for the next round of DSDA pilot projects.",
    ),
]
EN_UNITS = [
    ("Department of Planning", "Strategy, annual plans and the website quality programme."),
    ("Department of Digital Services", "Online service design, digital identity and public code."),
    ("Department of Data Governance", "Open data, data standards and open document formats."),
    ("Department of Security and Privacy", "Website security checks and personal data protection."),
    ("Department of Accessibility", "Accessibility guidelines, testing and training."),
    ("Secretariat", "Records, general affairs, procurement and public relations."),
    ("Personnel Office", "Human resources and training."),
    ("Civil Service Ethics Office", "Integrity and security of the agency."),
    ("Accounting Office", "Budgeting, accounting and statistics."),
]
EN_LEADERS = [
    (
        "Director-General",
        "Chen Shih-fan",
        "PhD in Information Systems; former professor of information management.",
    ),
    (
        "Deputy Director-General",
        "Lin Fan-li",
        "MSc in Computer Science; former director of a city information centre.",
    ),
    ("Chief Secretary", "Chang Tse-shih", "MA in Public Administration; former senior counsellor."),
]
