"""Synthetic, overlapping victim lists with a known truth, for the linkage benchmark.

    python bench/linkage_data.py --persons 30000 --seed 1 --out DIR

writes DIR/list_1_fa.csv ... DIR/list_5_news.csv (the list format of ``khavaran link``)
and DIR/truth.csv (source,record_id,person).  As a module: ``generate(persons, lists, seed)``.

Every person is invented: names are drawn independently from tables of common
names, so any resemblance to a real person is chance.  The spellings are this
file's own tables and rules; nothing here uses khavaran's name or date code,
which the benchmark judges.

What varies:

* names: hundreds of given (male, female, compound: Mohammad-Ali, Gholamreza,
  Abdolreza ...) and family names (plus generated -zadeh, -pour, Pour-, -nia,
  -abadi), each with its Persian form(s), an English spelling and real variants,
  a scholarly form (IJMES-like "Muḥammad Ḥusaynī", or Encyclopaedia Iranica-like
  "Moḥammad Ḥosaynī", sometimes with ASCII ' for ʿ), and French forms derived
  by rule (ou, dj, ch for sh, j for zh, ss, ï, é).  Rule variants (o/u, e/a,
  gh/q, ou/oo/u, ei/ey, -i/-y/-ee, doubled and single letters, dropped
  vowels, v/w, hyphens and spaces in compounds) and typos (Latin keyboard
  edits; Persian homophone letters س/ص/ث, ز/ذ/ض/ظ, ت/ط, ح/ه, ق/غ, a dropped
  long vowel).  Arabic yeh/kaf, ZWNJ vs space vs nothing, Persian digits.
  Seyyed/Sayyid/سید, Sadat, Haj prefixes present or not; family-name-first
  order (with or without comma); initials ("M. Hosseini"); the father inside
  the name ("son of Ali", "(daughter of Ali)", "فرزند علی").
* people: Zipf-Mandelbrot name frequencies (dozens of "Mohammad Hosseini"),
  sibling groups of 2-4 (same family name, father, city; twins sometimes),
  birth years in Solar Hijri (year of the person's Nowruz: G-621 or G-622) or
  Gregorian, ages (off by one often), death dates mostly Mordad-Shahrivar 1367
  in either calendar, full or partial, sometimes a few days off; cities with
  their 1988 or older names (Bakhtaran, Rezaiyeh, Bandar Pahlavi ...), prisons
  under several names (Gohardasht = Rajaei Shahr), affiliations in each style.
* capture: a per-person propensity (some people are on almost every list,
  most on one or two), a list that favours the Mojahedin, one that favours the
  left, a newspaper list that copies much of the English list (spellings and
  errors included) and favours one city.  No list names a person twice.
* mixes (``--mix``, MIXES): how the lists are written.  ``default`` is the mix the
  linker's weights were set on; ``fr-sheet`` and ``sheet-fa`` put in lists as they
  come (a French-convention CSV with semicolons and French column names, spreadsheets
  with their own column names, date cells and numbers) to judge it off that mix.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime
import itertools
import json
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jdatetime

__all__ = ["COLUMNS", "LISTS", "MIXES", "Dataset", "Person", "generate", "write_dataset"]

COLUMNS = ("source", "record_id", "name", "father_name", "birth_year", "age", "death_date",
           "city", "prison", "affiliation", "gender")
ZWNJ = "\u200c"

# ---------------------------------------------------------------------------------------
# Name tables: English | Persian (alternatives with /) | scholarly (IJMES-like) | variants
# (a variant ending in ? is rare: Arabic-style Rida for Reza).
# Order is frequency order.  A leading * on a family name: often borne by Seyyeds.

MALE_TABLE = """
Mohammad | محمد | Muḥammad | Muhammad, Mohamad, Mohammed, Mohamed, Muhamad
Ali | علی | ʿAlī | Aly
Hossein | حسین | Ḥusayn | Hussein, Hosein, Hossain, Husayn, Hosseyn, Hoseyn, Husain
Hassan | حسن | Ḥasan | Hasan
Reza | رضا | Riżā | Riza, Rida?
Mahmoud | محمود | Maḥmūd | Mahmud, Mahmood
Ahmad | احمد | Aḥmad | Ahmed
Mehdi | مهدی | Mahdī | Mahdi, Mehdy
Abbas | عباس | ʿAbbās | Abas
Ghasem | قاسم | Qāsim | Qasem, Qassem, Ghassem, Qasim
Jafar | جعفر | Jaʿfar | Ja'far, Djafar, Jaafar
Mostafa | مصطفی | Muṣṭafā | Mustafa, Moustafa, Mostapha
Javad | جواد | Javād | Jawad, Djavad
Majid | مجید | Majīd | Madjid, Majeed
Masoud | مسعود | Masʿūd | Massoud, Mas'ud, Masood, Masud
Saeed | سعید | Saʿīd | Saeid, Said, Saied, Sa'id
Hamid | حمید | Ḥamīd | Hameed
Akbar | اکبر | Akbar |
Asghar | اصغر | Aṣghar | Asqar
Ebrahim | ابراهیم | Ibrāhīm | Ibrahim, Ebraheem
Esmail | اسماعیل/اسمعیل | Ismāʿīl | Ismail, Esmaeil, Esmaeel, Ismael
Yousef | یوسف | Yūsuf | Yusuf, Youssef, Yousof, Yosef
Mousa | موسی | Mūsā | Musa, Moussa, Moosa
Kazem | کاظم | Kāẓim | Kazim, Kadhim?
Taghi | تقی | Taqī | Taqi, Taghy
Naghi | نقی | Naqī | Naqi
Bagher | باقر | Bāqir | Baqer, Baqir
Sadegh | صادق | Ṣādiq | Sadeq, Sadiq, Sadek?
Jalal | جلال | Jalāl | Djalal
Jamal | جمال | Jamāl | Djamal
Kamal | کمال | Kamāl |
Nasser | ناصر | Nāṣir | Naser, Nasir
Mansour | منصور | Manṣūr | Mansur, Mansoor
Morteza | مرتضی | Murtażā | Murtaza, Mortaza
Mojtaba | مجتبی | Mujtabā | Mujtaba, Modjtaba
Hadi | هادی | Hādī | Hady
Amir | امیر | Amīr | Ameer
Bahram | بهرام | Bahrām |
Behrouz | بهروز | Bihrūz | Behrooz, Behruz
Bijan | بیژن | Bīzhan | Bizhan
Farhad | فرهاد | Farhād |
Fariborz | فریبرز | Farīburz |
Faramarz | فرامرز | Farāmarz |
Khosrow | خسرو | Khusraw | Khosro, Khosrau, Khusro
Kourosh | کوروش/کورش | Kūrush | Kurosh, Koorosh
Dariush | داریوش | Dāryūsh | Daryush, Daryoush
Siamak | سیامک | Siyāmak | Syamak
Siavash | سیاوش | Siyāvash | Siavosh, Siyavash
Parviz | پرویز | Parvīz | Parwiz, Parvis
Manouchehr | منوچهر | Manūchihr | Manuchehr, Manoochehr
Houshang | هوشنگ | Hūshang | Hushang, Hooshang
Jamshid | جمشید | Jamshīd | Djamshid
Fereydoun | فریدون | Farīdūn | Fereidoun, Fereydun, Fereidoon
Kambiz | کامبیز | Kāmbīz |
Shahram | شهرام | Shahrām |
Shahrokh | شاهرخ | Shāhrukh | Shahrukh
Homayoun | همایون | Humāyūn | Homayun, Homayoon
Iraj | ایرج | Īraj | Iradj, Eraj
Nader | نادر | Nādir | Nadir
Nasrollah | نصرالله | Naṣr Allāh | Nasrolah, Nasrullah, Nasrallah
Nematollah | نعمت‌الله | Niʿmat Allāh | Nemat-ollah, Ne'matollah, Nematolah
Habibollah | حبیب‌الله | Ḥabīb Allāh | Habibolah, Habibullah
Asadollah | اسدالله | Asad Allāh | Asadolah, Assadollah, Asadullah
Ezzatollah | عزت‌الله | ʿIzzat Allāh | Ezatollah, Ezzatolah
Rahmatollah | رحمت‌الله | Raḥmat Allāh | Rahmatolah, Rahmatullah
Fazlollah | فضل‌الله | Fażl Allāh | Fazlolah, Fazlullah
Rouhollah | روح‌الله | Rūḥ Allāh | Ruhollah, Rohollah, Roohollah
Hedayatollah | هدایت‌الله | Hidāyat Allāh | Hedayatolah
Zabihollah | ذبیح‌الله | Ẕabīḥ Allāh | Zabiollah, Zabihallah
Ghodratollah | قدرت‌الله | Qudrat Allāh | Qodratollah, Ghodratolah
Yadollah | یدالله | Yad Allāh | Yadolah, Yadullah
Abdollah | عبدالله | ʿAbd Allāh | Abdolah, Abdullah, Abdallah
Karim | کریم | Karīm | Kareem
Rahim | رحیم | Raḥīm | Raheem
Hamzeh | حمزه | Ḥamza | Hamza
Heydar | حیدر | Ḥaydar | Heidar, Haidar
Ramezan | رمضان | Ramażān | Ramazan, Ramadan?
Rajab | رجب | Rajab | Radjab
Shaban | شعبان | Shaʿbān | Sha'ban
Safar | صفر | Ṣafar |
Ghorban | قربان | Qurbān | Qorban
Hashem | هاشم | Hāshim | Hashim
Davoud | داوود/داود | Dāvūd | Davood, Davud, Dawood, Daoud
Soleiman | سلیمان | Sulaymān | Soleyman, Suleiman, Solaiman
Younes | یونس | Yūnus | Yunes, Younis, Yunus
Yahya | یحیی | Yaḥyā | Yahia
Ayoub | ایوب | Ayyūb | Ayub, Ayyoub
Khalil | خلیل | Khalīl |
Jalil | جلیل | Jalīl | Djalil
Jabbar | جبار | Jabbār | Jabar
Ghaffar | غفار | Ghaffār | Ghafar, Qaffar
Sattar | ستار | Sattār | Satar
Ghafour | غفور | Ghafūr | Ghafur, Qafur
Aziz | عزیز | ʿAzīz | Azeez
Latif | لطیف | Laṭīf |
Nabi | نبی | Nabī |
Sohrab | سهراب | Suhrāb |
Rostam | رستم | Rustam | Rustam
Jahangir | جهانگیر | Jahāngīr | Djahanguir
Bahman | بهمن | Bahman |
Esfandiar | اسفندیار | Isfandiyār | Esfandyar, Isfandiar
Ardeshir | اردشیر | Ardashīr | Ardashir
Keyvan | کیوان | Kayvān | Kayvan, Keivan, Kaivan
Kaveh | کاوه | Kāva | Kave
Babak | بابک | Bābak |
Arash | آرش | Ārash |
Afshin | افشین | Afshīn |
Ramin | رامین | Rāmīn |
Shapour | شاپور | Shāpūr | Shapur, Shahpour
Hormoz | هرمز | Hurmuz | Hormuz
Kamran | کامران | Kāmrān |
Farrokh | فرخ | Farrukh | Farokh, Farrukh
Farzad | فرزاد | Farzād |
Farshid | فرشید | Farshīd |
Farid | فرید | Farīd | Fareed
Behzad | بهزاد | Bihzād |
Behnam | بهنام | Bihnām |
Mehran | مهران | Mihrān |
Mehrdad | مهرداد | Mihrdād |
Shahin | شاهین | Shāhīn | Shaheen
Peyman | پیمان | Paymān | Payman, Peiman
Hamed | حامد | Ḥāmid |
Vahid | وحید | Vaḥīd | Wahid
Rasoul | رسول | Rasūl | Rasul, Rassoul, Rasool
Saber | صابر | Ṣābir | Sabir
Shahab | شهاب | Shihāb |
Eskandar | اسکندر | Iskandar | Iskandar, Eskander
Mohsen | محسن | Muḥsin | Mohsin, Muhsin
Abolfazl | ابوالفضل | Abū al-Fażl | Abulfazl, Abolfazel
Abolghasem | ابوالقاسم | Abū al-Qāsim | Abolqasem, Abulqasim, Abolghassem
Abolhassan | ابوالحسن | Abū al-Ḥasan | Abolhasan, Abulhasan
Salman | سلمان | Salmān |
Saleh | صالح | Ṣāliḥ | Salih
Taher | طاهر | Ṭāhir | Tahir
Yaghoub | یعقوب | Yaʿqūb | Yaqub, Yaghoob, Yaqoub
Asad | اسد | Asad | Assad
Anvar | انور | Anvar | Anwar
Amin | امین | Amīn | Ameen
Omid | امید | Umīd |
Nourollah | نورالله | Nūr Allāh | Nurollah, Noorollah
Alaeddin | علاءالدین | ʿAlāʾ al-Dīn | Alaedin, Alaoddin, Ala'eddin
Rahman | رحمان | Raḥmān |
Hojjat | حجت | Ḥujjat | Hojat
Samad | صمد | Ṣamad |
"""

FEMALE_TABLE = """
Fatemeh | فاطمه | Fāṭima | Fatima, Fatemah, Fateme, Fatimeh
Zahra | زهرا | Zahrā |
Maryam | مریم | Maryam | Mariam
Masoumeh | معصومه | Maʿṣūma | Masoomeh, Ma'soumeh, Masumeh, Massoumeh
Zeinab | زینب | Zaynab | Zeynab, Zainab
Sakineh | سکینه | Sakīna | Sakina
Khadijeh | خدیجه | Khadīja | Khadija, Khadidjeh
Ashraf | اشرف | Ashraf |
Roghayeh | رقیه | Ruqayya | Roqayeh, Roghieh, Roqiyeh
Robabeh | ربابه | Rubāba | Robabe
Soghra | صغری | Ṣughrā | Soqra, Sughra
Kobra | کبری | Kubrā | Kubra
Azam | اعظم | Aʿẓam | A'zam
Effat | عفت | ʿIffat | Efat, Iffat
Esmat | عصمت | ʿIṣmat | Ismat
Tahereh | طاهره | Ṭāhira | Tahere, Tahira
Mahin | مهین | Mahīn |
Mahnaz | مهناز | Mahnāz |
Parvin | پروین | Parvīn | Parwin
Shahla | شهلا | Shahlā |
Soheila | سهیلا | Suhaylā | Soheyla, Suhaila
Mina | مینا | Mīnā |
Mitra | میترا | Mītrā |
Roya | رویا/رؤیا | Ruʾyā | Ruya
Nasrin | نسرین | Nasrīn | Nasreen
Nahid | ناهید | Nāhīd | Naheed
Farideh | فریده | Farīda | Farida
Farzaneh | فرزانه | Farzāna | Farzana
Fereshteh | فرشته | Firishta | Fereshte, Freshteh
Firouzeh | فیروزه | Fīrūza | Firuzeh, Firoozeh
Giti | گیتی | Gītī | Gity
Homa | هما | Humā |
Jaleh | ژاله | Zhāla | Zhaleh, Jale
Katayoun | کتایون | Katāyūn | Katayun, Katayoon
Leila | لیلا/لیلی | Laylā | Leyla, Layla
Manijeh | منیژه | Manīzha | Manizheh, Manije
Marzieh | مرضیه | Marżiyya | Marziyeh, Marzie
Monireh | منیره | Munīra | Monire, Munira
Mehri | مهری | Mihrī | Mehry
Minoo | مینو | Mīnū | Minou, Minu
Mojgan | مژگان | Muzhgān | Mozhgan
Nayereh | نیره | Nayyira | Nayyereh, Nayere
Parvaneh | پروانه | Parvāna | Parvane
Pouran | پوران | Pūrān | Puran, Pooran
Razieh | راضیه | Rāżiya | Raziyeh, Razie
Sedigheh | صدیقه | Ṣiddīqa | Sediqeh, Seddigheh
Shirin | شیرین | Shīrīn | Shireen
Simin | سیمین | Sīmīn |
Soudabeh | سودابه | Sūdāba | Sudabeh, Soodabeh
Tahmineh | تهمینه | Tahmīna | Tahmina
Touran | توران | Tūrān | Turan, Tooran
Vida | ویدا | Vīdā |
Zohreh | زهره | Zuhra | Zohre, Zuhreh
Zari | زری | Zarī |
Ziba | زیبا | Zībā |
Azar | آذر | Āzar |
Akram | اکرم | Akram |
Afsaneh | افسانه | Afsāna | Afsane
Fariba | فریبا | Farībā |
Forough | فروغ | Furūgh | Forugh, Foroogh
Haleh | هاله | Hāla | Hale
Hengameh | هنگامه | Hangāma | Hengame
Mahboubeh | محبوبه | Maḥbūba | Mahbubeh, Mahboobeh
Maliheh | ملیحه | Malīḥa | Malihe
Mansoureh | منصوره | Manṣūra | Mansureh
Nosrat | نصرت | Nuṣrat | Nusrat
Mehrangiz | مهرانگیز | Mihrangīz |
Sousan | سوسن | Sūsan | Susan, Soosan
Shohreh | شهره | Shuhra | Shohre
Sima | سیما | Sīmā |
Batoul | بتول | Batūl | Batul, Batool
Azadeh | آزاده | Āzāda | Azade
Elaheh | الهه | Ilāha | Elahe
Hajar | هاجر | Hājar | Hadjar
Hamideh | حمیده | Ḥamīda | Hamide
Monir | منیر | Munīr |
Shekoufeh | شکوفه | Shukūfa | Shekufeh
Sepideh | سپیده | Sipīda | Sepide
Ozra | عذرا | ʿAẕrā | Azra
Tayebeh | طیبه | Ṭayyiba | Tayyebeh
Fakhri | فخری | Fakhrī |
Goli | گلی | Gulī |
Pari | پری | Parī |
"""

# Only inside compounds and generated family names.
PART_TABLE = """
Gholam | غلام | Ghulām | Qolam, Gholaam
Vali | ولی | Valī | Wali
Soltan | سلطان | Sulṭān | Sultan
Najaf | نجف | Najaf | Nadjaf
Dolat | دولت | Dawlat | Dowlat, Doulat
Haji | حاجی | Ḥājī | Hadji, Hajji
Ashraf | اشرف | Ashraf |
"""

FAMILY_TABLE = """
*Hosseini | حسینی | Ḥusaynī | Husseini, Hoseyni, Hosseyni, Hoseini, Hussaini, Husayni
Mohammadi | محمدی | Muḥammadī | Muhammadi, Mohamadi, Mohammady
Ahmadi | احمدی | Aḥmadī | Ahmady, Ahmedi
Rezaei | رضایی/رضائی | Riżāʾī | Rezaee, Rezai, Rezayi, Rezaie, Rezaii
*Mousavi | موسوی | Mūsavī | Musavi, Moussavi, Moosavi, Musawi, Mousawi
Jafari | جعفری | Jaʿfarī | Ja'fari, Djafari, Jaafari
Karimi | کریمی | Karīmī | Karimy
Rahimi | رحیمی | Raḥīmī | Rahimy
*Hashemi | هاشمی | Hāshimī | Hashimi
Sadeghi | صادقی | Ṣādiqī | Sadeqi, Sadighi, Sadeghy, Sadiqi
Ghasemi | قاسمی | Qāsimī | Qasemi, Ghassemi, Qassemi
Kazemi | کاظمی | Kāẓimī | Kazimi
Moradi | مرادی | Murādī | Mouradi
Heidari | حیدری | Ḥaydarī | Heydari, Haidari
Akbari | اکبری | Akbarī |
Ebrahimi | ابراهیمی | Ibrāhīmī | Ibrahimi
Rostami | رستمی | Rustamī | Rustami
Bahrami | بهرامی | Bahrāmī |
Nazari | نظری | Naẓarī | Nazary
Soltani | سلطانی | Sulṭānī | Sultani
*Tabatabaei | طباطبایی/طباطبائی | Ṭabāṭabāʾī | Tabatabai, Tabatabaee, Tabatabayi, Tabatabaie
Mahdavi | مهدوی | Mahdavī | Mahdawi, Mehdavi
Abbasi | عباسی | ʿAbbāsī | Abasi
Ghorbani | قربانی | Qurbānī | Qorbani, Ghorbany
Najafi | نجفی | Najafī | Nadjafi
Zare | زارع | Zāriʿ | Zare', Zarea
Yousefi | یوسفی | Yūsufī | Yusefi, Yousofi, Youssefi
Salehi | صالحی | Ṣāliḥī |
Khosravi | خسروی | Khusravī | Khosrovi, Khosrawi
Nouri | نوری | Nūrī | Noori, Nuri
Jalali | جلالی | Jalālī | Djalali
Kamali | کمالی | Kamālī |
Asadi | اسدی | Asadī | Assadi
Amini | امینی | Amīnī |
Azizi | عزیزی | ʿAzīzī |
Fazeli | فاضلی | Fāżilī | Fazili
Esmaeili | اسماعیلی | Ismāʿīlī | Esmaili, Ismaili, Esmaeeli
Babaei | بابایی/بابائی | Bābāʾī | Babaee, Babai, Babayi
Sharifi | شریفی | Sharīfī |
Mirzaei | میرزایی/میرزائی | Mīrzāʾī | Mirzaee, Mirzai, Mirzayi
Safari | صفری | Ṣafarī |
Ranjbar | رنجبر | Ranjbar | Randjbar
Shahbazi | شهبازی | Shahbāzī |
Taheri | طاهری | Ṭāhirī | Tahery
Shirazi | شیرازی | Shīrāzī | Shirazy
Tehrani | تهرانی | Ṭihrānī | Tehrany
Esfahani | اصفهانی | Iṣfahānī | Isfahani
Tabrizi | تبریزی | Tabrīzī |
Rashti | رشتی | Rashtī |
Kermani | کرمانی | Kirmānī |
Yazdi | یزدی | Yazdī |
Ghazvini | قزوینی | Qazvīnī | Qazvini
Kashani | کاشانی | Kāshānī |
Hamedani | همدانی | Hamadānī | Hamadani
Zanjani | زنجانی | Zanjānī |
Ardabili | اردبیلی | Ardabīlī | Ardebili
Mashhadi | مشهدی | Mashhadī |
Khorasani | خراسانی | Khurāsānī | Khorassani
Gilani | گیلانی | Gīlānī |
Lahiji | لاهیجی | Lāhījī |
Shoushtari | شوشتری | Shūshtarī | Shushtari
Dezfouli | دزفولی | Dizfūlī | Dezfuli
Javadi | جوادی | Javādī | Djavadi, Jawadi
Hamidi | حمیدی | Ḥamīdī |
Majidi | مجیدی | Majīdī | Madjidi
Saeedi | سعیدی | Saʿīdī | Saidi, Saeidi
Mahmoudi | محمودی | Maḥmūdī | Mahmudi, Mahmoodi
Hassani | حسنی | Ḥasanī | Hasani
*Alavi | علوی | ʿAlavī | Alawi
*Razavi | رضوی | Rażavī | Razawi
*Naghavi | نقوی | Naqavī | Naqavi
*Taghavi | تقوی | Taqavī | Taqavi
*Mostafavi | مصطفوی | Muṣṭafavī | Mustafavi
Firouzi | فیروزی | Fīrūzī | Firuzi
Farahani | فراهانی | Farāhānī |
Golestani | گلستانی | Gulistānī |
Bagheri | باقری | Bāqirī | Baqeri
Naseri | ناصری | Nāṣirī | Nasseri
Mansouri | منصوری | Manṣūrī | Mansuri, Mansoori
Nasiri | نصیری | Naṣīrī |
Abedi | عابدی | ʿĀbidī |
Azimi | عظیمی | ʿAẓīmī |
Ansari | انصاری | Anṣārī |
Ashrafi | اشرفی | Ashrafī |
Behzadi | بهزادی | Bihzādī |
Bakhtiari | بختیاری | Bakhtiyārī | Bakhtiyari
Darabi | دارابی | Dārābī |
Eskandari | اسکندری | Iskandarī | Iskandari
Fallahi | فلاحی | Fallāḥī | Falahi
Ghaffari | غفاری | Ghaffārī | Qaffari, Ghafari
Gholami | غلامی | Ghulāmī | Qolami
Habibi | حبیبی | Ḥabībī |
Haghighi | حقیقی | Ḥaqīqī | Haqiqi
Hakimi | حکیمی | Ḥakīmī |
Jahangiri | جهانگیری | Jahāngīrī |
Jamali | جمالی | Jamālī | Djamali
Kiani | کیانی | Kiyānī | Kiyani
Khalili | خلیلی | Khalīlī |
Latifi | لطیفی | Laṭīfī |
Maleki | ملکی | Malikī | Maleky
Moghaddam | مقدم | Muqaddam | Moqaddam, Moghadam, Mogaddam
Nikkhah | نیکخواه | Nīkkhvāh | Nikkah?
Omidi | امیدی | Umīdī |
Parsa | پارسا | Pārsā |
Rahmani | رحمانی | Raḥmānī |
Ramezani | رمضانی | Ramażānī | Ramazani
Rashidi | رشیدی | Rashīdī |
Roshan | روشن | Rawshan | Rowshan
Sabzevari | سبزواری | Sabzavārī | Sabzewari
Sadri | صدری | Ṣadrī |
Samadi | صمدی | Ṣamadī |
Sepehri | سپهری | Sipihrī |
Shafiei | شفیعی | Shafīʿī | Shafiee, Shafii
Shams | شمس | Shams |
Sheikhi | شیخی | Shaykhī | Sheykhi, Shaikhi
Soleimani | سلیمانی | Sulaymānī | Soleymani, Suleimani
Tavakoli | توکلی | Tavakkulī | Tavakkoli, Tawakoli
Vahidi | وحیدی | Vaḥīdī |
Vaezi | واعظی | Vāʿiẓī | Va'ezi
Yazdani | یزدانی | Yazdānī |
Zamani | زمانی | Zamānī |
Ziaei | ضیایی/ضیائی | Żiyāʾī | Ziaee, Ziai
Abdollahi | عبداللهی | ʿAbdullāhī | Abdolahi, Abdullahi
Amiri | امیری | Amīrī |
Hedayati | هدایتی | Hidāyatī |
Khademi | خادمی | Khādimī |
Nemati | نعمتی | Niʿmatī | Ne'mati
Norouzi | نوروزی | Nawrūzī | Nowruzi, Nowrouzi, Noroozi
Rezvani | رضوانی | Riżvānī | Rezwani
*Seyedi | سیدی | Sayyidī | Seyyedi
Tavassoli | توسلی | Tavassulī | Tavasoli
Torabi | ترابی | Turābī |
Yaghoubi | یعقوبی | Yaʿqūbī | Yaqubi, Yaghoobi
Karami | کرمی | Karamī |
Lotfi | لطفی | Luṭfī |
Oveisi | اویسی | Uvaysī | Oveysi, Owaisi
Rafiei | رفیعی | Rafīʿī | Rafiee, Rafii
Saberi | صابری | Ṣābirī |
Salimi | سلیمی | Salīmī |
Sobhani | سبحانی | Subḥānī |
Dehghan | دهقان | Dihqān | Dehqan
Dehghani | دهقانی | Dihqānī | Dehqani
Keshavarz | کشاورز | Kishāvarz | Keshawarz
Najjar | نجار | Najjār | Nadjar
Attar | عطار | ʿAṭṭār | Atar
Zargar | زرگر | Zargar |
Khayyat | خیاط | Khayyāṭ | Khayat
Baghban | باغبان | Bāghbān | Baqban
Mohajer | مهاجر | Muhājir |
Kashefi | کاشفی | Kāshifī |
Navabi | نوابی | Navvābī |
Moein | معین | Muʿīn | Moin
Sharafi | شرفی | Sharafī |
Jamshidi | جمشیدی | Jamshīdī |
Farahmand | فرهمند | Farahmand |
Daneshvar | دانشور | Dānishvar |
Rouhani | روحانی | Rūḥānī | Ruhani
*Mirhosseini | میرحسینی | Mīr-Ḥusaynī | Mir-Hosseini, Mir Hosseini
Ghaemi | قائمی | Qāʾimī | Qaemi
Asgari | عسگری/عسکری | ʿAskarī | Askari
Shojaei | شجاعی | Shujāʿī | Shojaee, Shojai
Fathi | فتحی | Fatḥī |
Fattahi | فتاحی | Fattāḥī | Fatahi
Ghanbari | قنبری | Qanbarī | Qanbari
Heshmati | حشمتی | Ḥishmatī |
Izadi | ایزدی | Īzadī | Eizadi
Jabbari | جباری | Jabbārī | Jabari
Kalantari | کلانتری | Kalāntarī |
Karbalaei | کربلایی/کربلائی | Karbalāʾī | Karbalaee, Karbalai
Khodadadi | خدادادی | Khudādādī |
Mehrabi | محرابی | Miḥrābī |
Nikzad | نیکزاد | Nīkzād |
Pahlavan | پهلوان | Pahlavān |
Rajabi | رجبی | Rajabī | Radjabi
Rezaian | رضاییان | Riżāʾiyān | Rezayan
Shahidi | شهیدی | Shahīdī |
Vaziri | وزیری | Vazīrī | Waziri
Zarei | زارعی | Zāriʿī | Zareie, Zare'i
Fotouhi | فتوحی | Futūḥī | Fotuhi
*Hejazi | حجازی | Ḥijāzī | Hedjazi
*Emami | امامی | Imāmī | Imami
Eslami | اسلامی | Islāmī | Islami
Zand | زند | Zand |
Bayat | بیات | Bayāt |
Afshar | افشار | Afshār |
Ghashghaei | قشقایی/قشقائی | Qashqāʾī | Qashqai, Ghashghaie
Azari | آذری | Āzarī |
Kordi | کردی | Kurdī | Kurdi
Baloch | بلوچ | Balūch | Baluch
Lorestani | لرستانی | Luristānī |
"""

# Compound given names: (first, second, rank among male names).
MALE_COMPOUNDS = [
    ("Mohammad", "Ali", 6), ("Gholam", "Reza", 8), ("Ali", "Reza", 9), ("Mohammad", "Reza", 11),
    ("Gholam", "Hossein", 14), ("Ali", "Akbar", 16), ("Ali", "Asghar", 18),
    ("Mohammad", "Hossein", 20), ("Mohammad", "Hassan", 24), ("Mohammad", "Taghi", 28),
    ("Mohammad", "Bagher", 31), ("Mohammad", "Mehdi", 34), ("Mohammad", "Javad", 37),
    ("Mohammad", "Sadegh", 41), ("Mohammad", "Kazem", 45), ("Mohammad", "Ebrahim", 52),
    ("Mohammad", "Esmail", 58), ("Gholam", "Ali", 30), ("Gholam", "Abbas", 50),
    ("Hossein", "Ali", 44), ("Ali", "Mohammad", 60), ("Ali", "Ashraf", 90),
    ("Mohammad", "Karim", 95), ("Mohammad", "Amin", 99), ("Hassan", "Ali", 105),
]
# Abdol- names: (second, rank).
ABD_COMPOUNDS = [
    ("Reza", 26), ("Hossein", 33), ("Rahim", 40), ("Karim", 48), ("Hamid", 55), ("Majid", 62),
    ("Rasoul", 70), ("Ali", 75), ("Rahman", 80), ("Aziz", 85), ("Hadi", 100), ("Samad", 110),
]
SUN_LETTERS = "tdrzsnl"
# Generated family names: suffix or prefix and their bases (given names or parts).
ZADEH_BASES = ["Ali", "Hassan", "Hossein", "Reza", "Taghi", "Mehdi", "Ghasem", "Karim", "Rahim",
               "Jafar", "Ebrahim", "Esmail", "Abbas", "Mousa", "Yousef", "Kazem", "Mohammad",
               "Ahmad", "Amir", "Hadi", "Sadegh", "Bagher", "Nabi", "Vali", "Soltan", "Gholam"]
POUR_BASES = ["Ali", "Hassan", "Hossein", "Reza", "Mehdi", "Ghasem", "Karim", "Rahim", "Jafar",
              "Ebrahim", "Abbas", "Yousef", "Mohammad", "Ahmad", "Amir", "Vali", "Nabi"]
POUR_PREFIX_BASES = ["Mohammadi", "Ahmadi", "Hosseini", "Karimi", "Jafari", "Ghasemi", "Ebrahimi",
                     "Abbasi", "Rahimi", "Heidari"]
NIA_BASES = ["Ali", "Hassan", "Hossein", "Karim", "Rahim", "Mohammad", "Ahmad", "Amir"]
ABADI_BASES = ["Ali", "Hossein", "Hassan", "Mohammad", "Kazem", "Najaf", "Dolat", "Haji"]
# Latin forms of the suffixes and prefix: (form, weight); Persian; scholarly.
SUFFIXES = {
    "zadeh": ([("zadeh", 8), ("zade", 2)], "زاده", "zāda"),
    "pour": ([("pour", 8), ("pur", 2), ("poor", 2)], "پور", "pūr"),
    "nia": ([("nia", 8), ("nya", 1)], "نیا", "niyā"),
    "abadi": ([("abadi", 8), ("abady", 1)], "آبادی", "ābādī"),
}
POUR_PREFIX = ([("Pour", 8), ("Pur", 2), ("Poor", 2)], "پور", "Pūr")

# ---------------------------------------------------------------------------------------
# Places, prisons, affiliations.

# key: en | fa | fr | scholarly | other English | historical (en, fa) | weight
CITY_TABLE = """
Tehran | تهران | Téhéran | Ṭihrān | | | 30
Karaj | کرج | Karadj | Karaj | | | 4
Tabriz | تبریز | Tabriz | Tabrīz | Tauris | | 6
Shiraz | شیراز | Chiraz | Shīrāz | | | 5
Esfahan | اصفهان | Ispahan | Iṣfahān | Isfahan | | 5
Mashhad | مشهد | Machhad | Mashhad | Meshed | | 6
Rasht | رشت | Racht | Rasht | | | 4
Kermanshah | کرمانشاه | Kermanchah | Kirmānshāh | Kermanshahan | Bakhtaran, باختران | 4
Hamedan | همدان | Hamadan | Hamadān | Hamadan | | 3
Ahvaz | اهواز | Ahvaz | Ahvāz | Ahwaz | | 4
Dezful | دزفول | Dezfoul | Dizfūl | | | 2
Zanjan | زنجان | Zandjan | Zanjān | | | 2
Zahedan | زاهدان | Zahedan | Zāhidān | | | 1.5
Urmia | ارومیه | Ourmia | Urūmiyya | Orumiyeh | Rezaiyeh, رضائیه | 2
Sari | ساری | Sari | Sārī | | | 2
Qazvin | قزوین | Qazvin | Qazvīn | Ghazvin | | 2
Arak | اراک | Arak | Arāk | | Soltanabad, سلطان‌آباد | 2
Babol | بابل | Babol | Bābul | | Barforush, بارفروش | 1.5
Gorgan | گرگان | Gorgan | Gurgān | | Astarabad, استرآباد | 1.5
Bandar Anzali | بندر انزلی | Bandar Anzali | Bandar-i Anzalī | | Bandar Pahlavi, بندر پهلوی | 1
Khorramabad | خرم‌آباد | Khorramabad | Khurramābād | | | 1.5
Sanandaj | سنندج | Sanandadj | Sanandaj | | | 1.5
Kerman | کرمان | Kerman | Kirmān | | | 1.5
Yazd | یزد | Yazd | Yazd | | | 1
Ardabil | اردبیل | Ardebil | Ardabīl | Ardebil | | 1
Qom | قم | Qom | Qum | Ghom | | 1
Semnan | سمنان | Semnan | Simnān | | | 1
Lahijan | لاهیجان | Lahidjan | Lāhījān | | | 1
Amol | آمل | Amol | Āmul | | | 1
Masjed Soleyman | مسجد سلیمان | Masdjed Soleiman | Masjid-i Sulaymān | Masjed Soleiman | | 1
Bushehr | بوشهر | Bouchehr | Būshihr | Bushire | | 1
Kashan | کاشان | Kachan | Kāshān | | | 1
Qaemshahr | قائم‌شهر | Ghaemchahr | Qāʾimshahr | Ghaemshahr | Shahi, شاهی | 1
Mahabad | مهاباد | Mahabad | Mahābād | | | 1
"""
KURDISH = ("Kermanshah", "Sanandaj", "Urmia", "Mahabad")

# Prisons: the forms each style writes (usual first).
PRISONS: dict[str, dict[str, list[str]]] = {
    "Evin": {"en": ["Evin", "Evin Prison"], "fa": ["اوین", "زندان اوین"],
             "fr": ["Evin", "prison d'Evin"], "sch": ["Evīn"]},
    "Gohardasht": {"en": ["Gohardasht", "Rajaei Shahr", "Raja'i Shahr", "Gohar Dasht"],
                   "fa": ["گوهردشت", "رجایی‌شهر", "رجائی شهر", "زندان گوهردشت"],
                   "fr": ["Gohardacht", "Radjaï Chahr"],
                   "sch": ["Gawhardasht", "Rajāʾī-Shahr"]},
    "Ghezel Hesar": {"en": ["Ghezel Hesar", "Qezel Hesar", "Ghezelhesar"],
                     "fa": ["قزلحصار", "قزل‌حصار"], "fr": ["Ghezel Hessar"],
                     "sch": ["Qizil Ḥiṣār"]},
    "Vakilabad": {"en": ["Vakilabad", "Vakil Abad"], "fa": ["وکیل‌آباد", "زندان وکیل‌آباد"],
                  "fr": ["Vakil-Abad"], "sch": ["Vakīlābād"]},
    "Adelabad": {"en": ["Adelabad", "Adel Abad"], "fa": ["عادل‌آباد"], "fr": ["Adel-Abad"],
                 "sch": ["ʿĀdilābād"]},
    "Dizelabad": {"en": ["Dizelabad", "Dizel Abad"], "fa": ["دیزل‌آباد"], "fr": ["Dizel-Abad"],
                  "sch": ["Dīzilābād"]},
    "Lakan": {"en": ["Lakan", "Lakan Prison"], "fa": ["لاکان", "زندان لاکان"], "fr": ["Lakan"],
              "sch": ["Lākān"]},
    "Dastgerd": {"en": ["Dastgerd"], "fa": ["دستگرد"], "fr": ["Dastguerd"], "sch": ["Dastgird"]},
    "Karun": {"en": ["Karun", "Karoon"], "fa": ["کارون"], "fr": ["Karoun"], "sch": ["Kārūn"]},
    "Sepidar": {"en": ["Sepidar"], "fa": ["سپیدار"], "fr": ["Sépidar"], "sch": ["Sipīdār"]},
}
CITY_PRISONS = {
    "Tehran": [("Evin", 55), ("Gohardasht", 35), ("Ghezel Hesar", 10)],
    "Karaj": [("Gohardasht", 70), ("Ghezel Hesar", 30)],
    "Mashhad": [("Vakilabad", 1)], "Shiraz": [("Adelabad", 1)],
    "Kermanshah": [("Dizelabad", 1)], "Rasht": [("Lakan", 1)], "Lahijan": [("Lakan", 1)],
    "Bandar Anzali": [("Lakan", 1)], "Esfahan": [("Dastgerd", 1)],
    "Ahvaz": [("Karun", 6), ("Sepidar", 4)],
}

# Affiliations: (weight, forms per style, usual first).
AFFILIATIONS: dict[str, tuple[float, dict[str, list[str]]]] = {
    "Mojahedin": (68, {
        "en": ["PMOI", "MEK", "Mojahedin", "Mujahedin", "People's Mojahedin",
               "PMOI (Mojahedin)"],
        "fa": ["مجاهدین", "مجاهدین خلق", "سازمان مجاهدین خلق"],
        "fr": ["OMPI", "Moudjahidine du peuple", "Modjahedine"],
        "sch": ["Mujāhidīn-i Khalq", "Mujāhidīn"]}),
    "Fadaiyan-Aqalliyat": (5, {
        "en": ["Fadaiyan (Minority)", "Fadaian Minority", "Fedaian (Aqalliyat)"],
        "fa": ["فدائیان اقلیت", "فداییان اقلیت"], "fr": ["Fedaïyan (minorité)"],
        "sch": ["Fidāʾiyān-i Aqalliyyat"]}),
    "Fadaiyan-Aksariyat": (4, {
        "en": ["Fadaiyan (Majority)", "Fadaian Majority", "Fedaian (Aksariyat)"],
        "fa": ["فدائیان اکثریت", "فداییان اکثریت"], "fr": ["Fedaïyan (majorité)"],
        "sch": ["Fidāʾiyān-i Aksariyyat"]}),
    "Tudeh": (8, {"en": ["Tudeh", "Tudeh Party", "Toudeh"], "fa": ["توده", "حزب توده"],
                  "fr": ["Toudeh", "parti Toudeh"], "sch": ["Tūda"]}),
    "Peykar": (4, {"en": ["Peykar", "Paykar"], "fa": ["پیکار"], "fr": ["Peykar"],
                   "sch": ["Paykār"]}),
    "Komala": (3, {"en": ["Komala", "Komaleh"], "fa": ["کومله"], "fr": ["Komala"],
                   "sch": ["Kūmala"]}),
    "Rah-e Kargar": (2, {"en": ["Rah-e Kargar", "Rahe Kargar"], "fa": ["راه کارگر"],
                         "fr": ["Rah-é Kargar"], "sch": ["Rāh-i Kārgar"]}),
    "KDPI": (2, {"en": ["KDPI", "Kurdish Democratic Party"],
                 "fa": ["حزب دموکرات کردستان", "دموکرات"], "fr": ["PDKI"],
                 "sch": ["Ḥizb-i Dimukrāt"]}),
    "Ettehadieh": (1, {"en": ["Ettehadieh Komonistha", "Sarbedaran"],
                       "fa": ["اتحادیه کمونیست‌ها", "سربداران"], "fr": ["Ettehadieh"],
                       "sch": ["Ittiḥādiyya"]}),
    "Ranjbaran": (1, {"en": ["Ranjbaran"], "fa": ["رنجبران"], "fr": ["Randjbaran"],
                      "sch": ["Ranjbarān"]}),
}
LEFT = ("Fadaiyan-Aqalliyat", "Fadaiyan-Aksariyat", "Tudeh", "Peykar", "Komala",
        "Rah-e Kargar", "Ettehadieh", "Ranjbaran")

SH_MONTHS = ["Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr",
             "Aban", "Azar", "Dey", "Bahman", "Esfand"]
SH_MONTHS_FA = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر",
                "دی", "بهمن", "اسفند"]
G_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December"]
FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ARABIC_LETTERS = str.maketrans({"ی": "ي", "ک": "ك"})
# Letters read alike in Persian: a typist or a copyist picks the wrong one.
FA_HOMOPHONES = ["سصث", "زذضظ", "تط", "حه", "قغ"]
FA_SWAP = {ch: group.replace(ch, "") for group in FA_HOMOPHONES for ch in group}
FA_LONG_VOWELS = "اوی"
KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def _neighbours() -> dict[str, str]:
    out: dict[str, str] = {}
    for row in KEYBOARD:
        for i, ch in enumerate(row):
            out[ch] = row[max(0, i - 1):i] + row[i + 1:i + 2]
    return out


KEY_NEIGHBOURS = _neighbours()

# ---------------------------------------------------------------------------------------
# Spelling rules (this file's own, deliberately independent of khavaran's).

_VOWELS = "aeiouy"


def _cap(s: str) -> str:
    """Capitalise each word and each part after a hyphen (keeps ʿ/' before a letter)."""
    out = []
    up = True
    for ch in s:
        if up and ch.isalpha():
            out.append(ch.upper())
            up = False
        else:
            out.append(ch)
            if ch in " -":
                up = True
    return "".join(out)


def french(s: str) -> str:
    """French-style transcription of an English one: ou, dj, ch, j for zh, ss, ï."""
    t = s.lower()
    t = t.replace("ch", "\x01").replace("sh", "ch").replace("\x01", "tch")
    t = re.sub(r"(?<!d)j", "dj", t).replace("zh", "j")
    t = t.replace("ou", "\x02").replace("oo", "\x02").replace("u", "\x02").replace("\x02", "ou")
    t = t.replace("w", "ou").replace("ee", "i").replace("q", "gh")
    t = re.sub(r"(?<=[aeiouy])s(?=[aeiouy])", "ss", t)
    t = re.sub(r"aei$", "aï", t)
    t = re.sub(r"ai(?=l|$)", "aï", t)
    return _cap(t)


def french_accented(s: str) -> str:
    """Another French form: é for an open e (Fatémeh, Sadéghi)."""
    t = french(s)
    return re.sub(r"(?<=[bcdfghjklmnpqrstvz])e(?=[bcdfgjklmnpqrstvz][aeiouy])", "é", t, count=1)


def english_rule_variants(s: str) -> list[str]:
    """Spellings one rule away from ``s`` that real English-language lists use."""
    t = s.lower()
    out: list[str] = []

    def add(v: str) -> None:
        v = _cap(v)
        if v != s and v not in out and len(v) > 1:
            out.append(v)

    for a, b in (("ou", "u"), ("ou", "oo"), ("oo", "ou"), ("oo", "u"), ("ei", "ey"),
                 ("ey", "ei"), ("gh", "q"), ("q", "gh"), ("dj", "j"), ("'", ""), ("ee", "i"),
                 ("ae", "a"), ("v", "w"), ("-", ""), ("-", " ")):
        if a in t:
            add(t.replace(a, b, 1))
    if t.endswith("eh"):                 # Fatemeh -> Fateme
        add(t[:-1])
    if t.endswith("i") and not t.endswith("ei"):
        add(t[:-1] + "y")
        add(t[:-1] + "ee")
    if t.endswith("ei"):
        for e in ("ee", "i", "yi", "ie"):
            add(t[:-2] + e)
    if "o" in t:
        add(t.replace("o", "u", 1))
    m = re.search(r"(?<=[^aeiou])e(?=[^aeiou])", t)
    if m:
        add(t[:m.start()] + "a" + t[m.end():])
    m = re.search(r"([bcdfgklmnprstz])\1", t)
    if m:
        add(t[:m.start()] + t[m.start() + 1:])
    m = re.search(r"(?<=[aeiou])([sfnrl])(?=[aeiou])", t)
    if m:
        add(t[:m.start()] + m.group(1) + t[m.start():])
    # A dropped short vowel (Fatemeh -> Fatmeh); only between single consonants.
    m = re.search(r"(?<=[a-z][bcdfghklmnprstvz])[ae](?=[bcdfghklmnprstvz][aeiou])", t[1:])
    if m:
        i = m.start() + 1
        add(t[:i] + t[i + 1:])
    return out


_EIR = {"kh": "ḵ", "gh": "ḡ", "sh": "š", "ch": "č", "zh": "ž",
        "Kh": "Ḵ", "Gh": "Ḡ", "Sh": "Š", "Ch": "Č", "Zh": "Ž"}


def iranica(s: str) -> str:
    """Encyclopaedia Iranica-like form of an IJMES-like one: short u -> o, i -> e,
    aw -> ow, kh gh sh ch zh -> ḵ ḡ š č ž (Muḥammad -> Moḥammad, Ḥusayn -> Ḥosayn)."""
    t = re.sub(r"[KkGgSsCcZz]h", lambda m: _EIR[m.group()], s)
    t = t.replace("aw", "ow")
    # i in "iyy"/"iy" before a vowel is kept (Ruqayya stays, Kiyānī -> Kiyānī).
    t = re.sub(r"i(?!y)", "e", t)
    t = t.replace("I", "E").replace("u", "o").replace("U", "O")
    return t


def ascii_scholarly(s: str) -> str:
    """The scholarly form typed without special letters: ʿ -> ', ʾ dropped, ḥ -> h, ā -> a."""
    t = s.replace("ʿ", "'").replace("ʾ", "")
    trans = str.maketrans("ḤḥṢṣṬṭẒẓŻżẔẕĀāĪīŪūḴḵḠḡŠšČčŽž",
                          "HhSsTtZzZzZzAaIiUuKkGgSsCcZz")
    t = t.translate(trans)
    return t.replace("Kk", "Kh").replace("kk", "kh")


def latin_typo(s: str, rng: random.Random) -> str:
    """One keyboard slip: a neighbouring key, a dropped, doubled or swapped letter."""
    idx = [i for i, ch in enumerate(s) if ch.isascii() and ch.isalpha()]
    if len(idx) < 3:
        return s
    i = rng.choice(idx[1:])
    ch = s[i]
    op = rng.random()
    if op < 0.35 and ch.lower() in KEY_NEIGHBOURS:
        rep = rng.choice(KEY_NEIGHBOURS[ch.lower()])
        return s[:i] + (rep.upper() if ch.isupper() else rep) + s[i + 1:]
    if op < 0.6:
        return s[:i] + s[i + 1:]
    if op < 0.8:
        return s[:i] + ch + s[i:]
    if i + 1 < len(s) and s[i + 1].isalpha():
        return s[:i] + s[i + 1] + ch + s[i + 2:]
    return s[:i] + s[i + 1:]


def persian_typo(s: str, rng: random.Random) -> str:
    """A homophone letter (س/ص/ث, ز/ذ/ض/ظ, ت/ط, ح/ه, ق/غ) or a dropped long vowel."""
    swaps = [i for i, ch in enumerate(s) if ch in FA_SWAP]
    if swaps and rng.random() < 0.8:
        i = rng.choice(swaps)
        return s[:i] + rng.choice(FA_SWAP[s[i]]) + s[i + 1:]
    vowels = [i for i, ch in enumerate(s) if ch in FA_LONG_VOWELS and 0 < i < len(s) - 1]
    if vowels:
        i = rng.choice(vowels)
        return s[:i] + s[i + 1:]
    return s


# ---------------------------------------------------------------------------------------
# Names with their spellings per style, precomputed as weighted choices.

STYLES = ("fa", "en", "fr", "sch")


class Choice:
    """Weighted choice among fixed strings, by bisection on cumulative weights."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, weighted: Sequence[tuple[str, float]]) -> None:
        merged: dict[str, float] = {}
        for item, w in weighted:
            merged[item] = merged.get(item, 0.0) + w
        self.items = list(merged)
        self.cum = list(itertools.accumulate(merged.values()))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass
class Name:
    key: str                  # the English spelling, the name's identity
    fa: list[str]             # Persian spellings, usual first (may hold ZWNJ)
    sch: str                  # IJMES-like scholarly form
    latin: list[str]          # English spelling first, then common variants
    seyyed: bool = False      # family names often borne by Seyyeds
    rare: list[str] = field(default_factory=list)   # variants seen now and then
    forms: dict[str, Choice] = field(default_factory=dict)

    def build(self) -> None:
        en, variants = self.latin[0], self.latin[1:]
        rules = english_rule_variants(en)
        self.forms["en"] = Choice([(en, 10.0)] + [(v, 3.0) for v in variants]
                                  + [(v, 0.5) for v in self.rare]
                                  + [(v, 0.6) for v in rules])
        self.forms["fr"] = Choice([(french(en), 8.0), (french_accented(en), 2.0), (en, 2.0)]
                                  + [(french(v), 1.0) for v in variants])
        self.forms["sch"] = Choice([(self.sch, 7.0), (iranica(self.sch), 3.0),
                                    (ascii_scholarly(self.sch), 1.5)])
        self.forms["fa"] = Choice([(self.fa[0], 8.0)] + [(f, 3.0) for f in self.fa[1:]])


def _parse(table: str) -> list[Name]:
    out = []
    for line in table.strip().splitlines():
        parts = [p.strip() for p in line.split("|")]
        en, fa, sch, variants = parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else ""
        seyyed = en.startswith("*")
        en = en.lstrip("*")
        vs = [v.strip() for v in variants.split(",") if v.strip() and v.strip() != en]
        latin = [en] + [v for v in vs if not v.endswith("?")]
        rare = [v.rstrip("?") for v in vs if v.endswith("?")]
        out.append(Name(en, fa.split("/"), sch, latin, seyyed, rare))
    return out


def _connects(fa: str) -> bool:
    """Whether the last letter of ``fa`` joins the next one (then ZWNJ or space separates)."""
    return fa[-1] not in "اآدذرزژو"


def _join_fa(a: str, b: str) -> str:
    return a + (ZWNJ if _connects(a) else "") + b


def _compound(a: Name, b: Name, rank_key: str | None = None) -> Name:
    """A compound given name: Mohammad-Ali, Mohammadali, Mohammad Ali, محمدعلی ..."""
    key = rank_key or f"{a.key}-{b.key}"
    fa = [_join_fa(a.fa[0], b.fa[0]), f"{a.fa[0]} {b.fa[0]}"]
    name = Name(key, fa, f"{a.sch} {b.sch}", [key])
    weighted_en: list[tuple[str, float]] = []
    for i, av in enumerate(a.latin[:3]):
        for j, bv in enumerate(b.latin[:3]):
            w = 1.0 / (1 + 2 * i) / (1 + 2 * j)
            weighted_en += [(f"{av}-{bv}", 4 * w), (f"{av}{bv.lower()}", 4 * w),
                            (f"{av} {bv}", 2 * w), (f"{av}-{bv.lower()}", w)]
    name.forms["en"] = Choice(weighted_en)
    fr_a, fr_b = french(a.latin[0]), french(b.latin[0])
    name.forms["fr"] = Choice([(f"{fr_a}-{fr_b}", 6), (f"{fr_a} {fr_b}", 2),
                               (f"{fr_a}{fr_b.lower()}", 2)])
    name.forms["sch"] = Choice([(f"{a.sch} {b.sch}", 5), (f"{a.sch}-{b.sch}", 2),
                                (iranica(f"{a.sch} {b.sch}"), 3),
                                (ascii_scholarly(f"{a.sch} {b.sch}"), 1)])
    name.forms["fa"] = Choice([(fa[0], 7), (fa[1], 3)])
    return name


def _abd(b: Name) -> Name:
    """Abdolreza, Abdol-Reza, Abdul Reza, Abd al-Reza, Abdorrahim, Abdel Reza, عبدالرضا."""
    key = f"Abdol{b.key.lower()}"
    fa = "عبدال" + b.fa[0]
    low = b.key.lower()
    sun = low[0] in SUN_LETTERS
    en = [(f"Abdol{low}", 8), (f"Abdol-{b.key}", 3), (f"Abdol {b.key}", 2), (f"Abdul{low}", 3),
          (f"Abdul {b.key}", 3), (f"Abdul-{b.key}", 2), (f"Abd al-{b.key}", 2),
          (f"Abdel {b.key}", 1)]
    if len(b.latin) > 1:
        en.append((f"Abdol{b.latin[1].lower()}", 2))
    if sun:
        en.append((f"Abdo{low[0]}{low}", 2))
    art = f"a{b.sch[0].lower()}-" if sun and b.sch[0].lower() in "tdrzsnl" else "al-"
    sch = f"ʿAbd {art}{b.sch}"
    name = Name(key, [fa, "عبد ال" + b.fa[0]], sch, [key])
    name.forms["en"] = Choice(en)
    name.forms["fr"] = Choice([(f"Abdol-{french(b.key)}", 5), (f"Abdel {french(b.key)}", 3),
                               (french(f"Abdol{low}"), 3)])
    name.forms["sch"] = Choice([(sch, 6), (iranica(sch), 3), (ascii_scholarly(sch), 1)])
    name.forms["fa"] = Choice([(fa, 8), ("عبد ال" + b.fa[0], 2)])
    return name


def _suffixed(base: Name, kind: str) -> Name:
    """Alizadeh / Ali-Zadeh / Ali Zadeh / Alizade / علی‌زاده / علی زاده / علیزاده / ʿAlīzāda."""
    latin_suffixes, fa_suffix, sch_suffix = SUFFIXES[kind]
    key = base.key + latin_suffixes[0][0]
    fa = _join_fa(base.fa[0], fa_suffix)
    name = Name(key, [fa], base.sch + sch_suffix, [key])
    en: list[tuple[str, float]] = []
    for i, bv in enumerate(base.latin[:3]):
        w = 1.0 / (1 + 3 * i)
        for suf, sw in latin_suffixes:
            en += [(bv + suf, 8 * w * sw / 8), (f"{bv}-{suf.capitalize()}", 2 * w * sw / 8),
                   (f"{bv}-{suf}", 1 * w * sw / 8), (f"{bv} {suf.capitalize()}", 1 * w * sw / 8)]
    name.forms["en"] = Choice(en)
    fr_base = french(base.key)
    name.forms["fr"] = Choice([(fr_base + latin_suffixes[0][0], 6),
                               (f"{fr_base}-{latin_suffixes[0][0].capitalize()}", 3)])
    sch = base.sch + sch_suffix
    name.forms["sch"] = Choice([(sch, 5), (f"{base.sch}-{sch_suffix}", 2), (iranica(sch), 3),
                                (ascii_scholarly(sch), 1)])
    name.forms["fa"] = Choice([(fa, 7), (f"{base.fa[0]} {fa_suffix}", 2),
                               (base.fa[0] + fa_suffix, 1)])
    return name


def _pour_prefixed(base: Name) -> Name:
    """Pourmohammadi / Pour-Mohammadi / Pour Mohammadi / Purmohammadi / پورمحمدی."""
    latin_prefixes, fa_prefix, sch_prefix = POUR_PREFIX
    key = "Pour" + base.key.lower()
    fa = fa_prefix + base.fa[0]
    name = Name(key, [fa], sch_prefix + base.sch.lower(), [key])
    en: list[tuple[str, float]] = []
    for i, bv in enumerate(base.latin[:3]):
        w = 1.0 / (1 + 3 * i)
        for pre, pw in latin_prefixes:
            en += [(pre + bv.lower(), 6 * w * pw / 8), (f"{pre}-{bv}", 3 * w * pw / 8),
                   (f"{pre} {bv}", 1.5 * w * pw / 8)]
    name.forms["en"] = Choice(en)
    name.forms["fr"] = Choice([(french(key), 6), (f"Pour-{french(base.key)}", 3)])
    sch = sch_prefix + base.sch.lower()
    name.forms["sch"] = Choice([(sch, 5), (f"{sch_prefix}-{base.sch}", 2), (iranica(sch), 3)])
    name.forms["fa"] = Choice([(fa, 7), (f"{fa_prefix} {base.fa[0]}", 3)])
    return name


@dataclass
class Tables:
    male: list[Name]
    male_choice: list[float]
    female: list[Name]
    female_choice: list[float]
    family: list[Name]
    family_choice: list[float]

    def pick(self, rng: random.Random, kind: str) -> Name:
        names: list[Name] = getattr(self, kind)
        cum: list[float] = getattr(self, f"{kind}_choice")
        return names[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _zipf_cum(n: int, s: float, q: float) -> list[float]:
    """Cumulative Zipf-Mandelbrot weights 1/(rank+q)^s."""
    return list(itertools.accumulate(1.0 / (r + q) ** s for r in range(1, n + 1)))


def build_tables() -> Tables:
    male = _parse(MALE_TABLE)
    female = _parse(FEMALE_TABLE)
    parts = {n.key: n for n in _parse(PART_TABLE)}
    family = _parse(FAMILY_TABLE)
    for n in (*male, *female, *parts.values(), *family):
        n.build()
    by_key = {n.key: n for n in male} | parts
    fam_by_key = {n.key: n for n in family}
    # Compounds take the rank given; the simple names keep their order around them.
    ranked: list[tuple[float, Name]] = [(float(i), n) for i, n in enumerate(male)]
    for a, b, rank in MALE_COMPOUNDS:
        ranked.append((rank - 0.5, _compound(by_key[a], by_key[b])))
    for b, rank in ABD_COMPOUNDS:
        ranked.append((rank - 0.5, _abd(by_key[b])))
    ranked.sort(key=lambda t: t[0])
    male = [n for _, n in ranked]
    generated: list[Name] = []
    for kind, bases in (("zadeh", ZADEH_BASES), ("pour", POUR_BASES), ("nia", NIA_BASES),
                        ("abadi", ABADI_BASES)):
        generated += [_suffixed(by_key[b], kind) for b in bases]
    generated += [_pour_prefixed(fam_by_key[b]) for b in POUR_PREFIX_BASES]
    # Generated family names interleave from rank 15 on, one every third place.
    ranked_f = [(float(i), n) for i, n in enumerate(family)]
    ranked_f += [(15 + 3 * i + 0.5, n) for i, n in enumerate(generated)]
    ranked_f.sort(key=lambda t: t[0])
    family = [n for _, n in ranked_f]
    return Tables(male, _zipf_cum(len(male), 1.0, 2.0), female,
                  _zipf_cum(len(female), 1.0, 2.0), family, _zipf_cum(len(family), 1.0, 10.0))


@dataclass
class City:
    key: str
    forms: dict[str, Choice]
    historical: tuple[str, str] | None


def build_cities() -> tuple[list[City], list[float]]:
    cities, weights = [], []
    for line in CITY_TABLE.strip().splitlines():
        en, fa, fr, sch, other, hist, w = [p.strip() for p in line.split("|")]
        historical = None
        if hist:
            h_en, h_fa = [h.strip() for h in hist.split(",")]
            historical = (h_en, h_fa)
        en_forms = [(en, 12.0)] + ([(other, 1.0)] if other else [])
        forms = {"en": Choice(en_forms), "fa": Choice([(fa, 1.0)]),
                 "fr": Choice([(fr, 8.0), (en, 2.0)]),
                 "sch": Choice([(sch, 6.0), (ascii_scholarly(sch), 2.0), (en, 2.0)])}
        cities.append(City(en, forms, historical))
        weights.append(float(w))
    return cities, list(itertools.accumulate(weights))


def _forms(styles: dict[str, list[str]]) -> dict[str, Choice]:
    """Weighted choices: the usual form three times as likely as each other one."""
    return {style: Choice([(f, 6.0 if i == 0 else 2.0) for i, f in enumerate(items)])
            for style, items in styles.items()}


# ---------------------------------------------------------------------------------------
# People.


@dataclass
class Person:
    pid: str
    gender: str                 # "m" or "f"
    given: Name
    family: Name
    father: Name
    seyyed: bool
    haj: bool
    birth: datetime.date
    death: datetime.date
    city: City
    prison: str
    affiliation: str
    propensity: float
    group: int = 0              # brothers and sisters share it
    lists: list[int] = field(default_factory=list)


def _sh(day: datetime.date) -> tuple[int, int, int]:
    j = jdatetime.date.fromgregorian(date=day)
    return j.year, j.month, j.day


def _sh_birth_year(day: datetime.date) -> int:
    """The Solar Hijri year in which ``day`` falls (Nowruz about 21 March)."""
    return day.year - 621 if (day.month, day.day) >= (3, 21) else day.year - 622


def _death_date(rng: random.Random) -> datetime.date:
    u = rng.random()
    if u < 0.80:    # the massacre: Mordad-Shahrivar 1367, most in early Mordad
        start, span = datetime.date(1988, 7, 23), 61
        offset = min(int(rng.expovariate(1 / 18)), span - 1)
    elif u < 0.86:  # late Tir 1367
        start, offset = datetime.date(1988, 7, 1), rng.randrange(22)
    elif u < 0.95:  # earlier executions, 1986-1988
        start, offset = datetime.date(1986, 3, 21), rng.randrange(830)
    else:           # later, to 1990
        start, offset = datetime.date(1988, 9, 22), rng.randrange(700)
    return start + datetime.timedelta(days=offset)


def _birth_date(rng: random.Random) -> datetime.date:
    year = int(min(1971, max(1932, rng.gauss(1961, 6))))
    return datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))


def _age(birth: datetime.date, death: datetime.date) -> int:
    return death.year - birth.year - ((death.month, death.day) < (birth.month, birth.day))


# ---------------------------------------------------------------------------------------
# The five lists.


@dataclass(frozen=True)
class ListStyle:
    source: str
    file: str
    style: str
    columns: tuple[str, ...]
    id_format: str
    # The list's own column names, where they are not ours (a list as it comes).
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, column: str) -> str:
        return dict(self.headers).get(column, column)


LISTS = [
    ListStyle("syn-fa", "list_1_fa.csv", "fa",
              ("source", "record_id", "name", "father_name", "birth_year", "age", "death_date",
               "city", "prison", "affiliation", "gender"), "{:05d}"),
    ListStyle("syn-en", "list_2_en.csv", "en",
              ("source", "record_id", "name", "father_name", "age", "death_date", "city",
               "prison", "affiliation", "gender"), "EN-{:05d}"),
    ListStyle("syn-fr", "list_3_fr.csv", "fr",
              ("source", "record_id", "name", "birth_year", "death_date", "city", "prison",
               "affiliation", "gender"), "F{:04d}"),
    ListStyle("syn-sch", "list_4_sch.csv", "sch",
              ("source", "record_id", "name", "father_name", "birth_year", "death_date", "city",
               "prison", "affiliation", "gender", "calendar"), "S/{:d}"),
    ListStyle("syn-news", "list_5_news.csv", "news",
              ("source", "record_id", "name", "birth_year", "age", "death_date", "city",
               "prison", "affiliation"), "N{:05d}"),
]
FAVOURED_CITY = "Mashhad"   # the newspaper list's own city

# Lists as they come, in the conventions of those who made them: no source column
# (the file's name is the list), the list's own column names, given name and
# surname in two columns.  The source is the file's stem, as khavaran link takes it.
FRCONV = ListStyle(
    "list_3_frconv", "list_3_frconv.csv", "frconv",
    ("record_id", "surname", "given_name", "father_name", "gender", "birth_year", "age",
     "death_date", "city", "prison", "affiliation"), "{:d}",
    (("record_id", "N°"), ("surname", "Nom"), ("given_name", "Prénom"),
     ("father_name", "Nom du père"), ("gender", "Sexe"), ("birth_year", "Année de naissance"),
     ("age", "Âge"), ("death_date", "Date de décès"), ("city", "Ville"), ("prison", "Prison"),
     ("affiliation", "Organisation")))
SHEET = ListStyle(
    "list_4_sheet", "list_4_sheet.xlsx", "sheet",
    ("record_id", "surname", "given_name", "father_name", "gender", "age", "death_date",
     "city", "prison", "affiliation"), "{:d}",
    (("record_id", "No."), ("surname", "Surname"), ("given_name", "First name"),
     ("father_name", "Father's name"), ("gender", "Sex"), ("age", "Age"),
     ("death_date", "Date of execution"), ("city", "City"), ("prison", "Prison"),
     ("affiliation", "Group")))
SHEET_FA = ListStyle(
    "list_1_sheet_fa", "list_1_sheet_fa.xlsx", "sheet-fa",
    ("record_id", "given_name", "surname", "father_name", "age", "death_date", "city",
     "prison", "gender"), "{:d}",
    (("record_id", "ردیف"), ("given_name", "نام"), ("surname", "نام خانوادگی"),
     ("father_name", "نام پدر"), ("age", "سن"), ("death_date", "تاریخ اعدام"),
     ("city", "شهر"), ("prison", "زندان"), ("gender", "جنسیت")))
# Mixes of list styles.  Slot i keeps list i's reach and leaning (_capture), so a mix
# changes how lists are written, not who is on them.  "default" is the mix the
# weights were set on; the others were added later to judge the linker off it.
MIXES: dict[str, list[ListStyle]] = {
    "default": LISTS,
    "fr-sheet": [LISTS[0], LISTS[1], FRCONV, SHEET, LISTS[4]],
    "sheet-fa": [SHEET_FA, LISTS[1], FRCONV, LISTS[3], LISTS[4]],
}
# How each list style spells names, cities and groups.
SPELLING = {"frconv": "fr", "sheet": "en", "sheet-fa": "fa"}
FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]


def _capture(p: Person, rng: random.Random) -> list[int]:
    """Which lists name ``p``: propensity times each list's reach and leaning."""
    t = p.propensity
    got = []
    if rng.random() < min(0.97, 0.95 * t + 0.03):
        got.append(0)
    on_en = rng.random() < 0.75 * t
    if on_en:
        got.append(1)
    mek = p.affiliation == "Mojahedin"
    if rng.random() < (min(0.95, 1.1 * t) if mek else 0.2 * t):
        got.append(2)
    left = p.affiliation in LEFT
    if rng.random() < (min(0.95, 1.1 * t + 0.05) if left else 0.12 * t):
        got.append(3)
    # The newspaper list copies much of the English list and covers its own city well.
    q = 0.6 if on_en else 0.2 * t
    if p.city.key == FAVOURED_CITY:
        q = max(q, 0.75 * t + 0.2)
    if rng.random() < q:
        got.append(4)
    return got


def _propensity(rng: random.Random) -> float:
    u = rng.random()
    if u < 0.2:
        return rng.uniform(0.7, 0.97)
    if u < 0.65:
        return rng.uniform(0.3, 0.7)
    return rng.uniform(0.03, 0.3)


class World:
    """The tables, plus the people drawn from them."""

    def __init__(self) -> None:
        self.names = build_tables()
        self.cities, self.city_cum = build_cities()
        self.city_by_key = {c.key: c for c in self.cities}
        self.prisons = {k: _forms(v) for k, v in PRISONS.items()}
        self.affiliations = {k: _forms(v) for k, (_, v) in AFFILIATIONS.items()}
        self.aff_keys = list(AFFILIATIONS)
        self.aff_weights = [w for w, _ in AFFILIATIONS.values()]

    def city(self, rng: random.Random) -> City:
        return self.cities[bisect.bisect_right(self.city_cum, rng.random() * self.city_cum[-1])]

    def prison_of(self, city: City, rng: random.Random) -> str:
        options = CITY_PRISONS.get(city.key)
        if options is None:
            return f"city:{city.key}"          # "<City> prison"
        return rng.choices([o for o, _ in options], [w for _, w in options])[0]

    def affiliation_of(self, city: City, rng: random.Random) -> str:
        weights = list(self.aff_weights)
        if city.key in KURDISH:
            for k in ("Komala", "KDPI"):
                weights[self.aff_keys.index(k)] *= 6
        return rng.choices(self.aff_keys, weights)[0]

    def people(self, count: int, rng: random.Random,
               lists: int = 5) -> tuple[list[Person], int]:
        """``count`` people on at least one of the first ``lists`` lists, and how many
        were drawn in all."""
        out: list[Person] = []
        drawn = 0
        while len(out) < count:
            group = self._family_group(rng)
            drawn += len(group)
            for p in group:
                p.group = drawn
                p.lists = [li for li in _capture(p, rng) if li < lists]
                if p.lists and len(out) < count:
                    p.pid = f"P{len(out):06d}"
                    out.append(p)
        return out, drawn

    def _person(self, rng: random.Random, family: Name, father: Name, city: City,
                seyyed: bool, propensity: float, birth: datetime.date,
                taken: list[Name]) -> Person:
        gender = "f" if rng.random() < 0.12 else "m"
        kind = "female" if gender == "f" else "male"
        given = self.names.pick(rng, kind)
        while any(given is t for t in taken):   # siblings never share a given name
            given = self.names.pick(rng, kind)
        taken.append(given)
        death = _death_date(rng)
        if _age(birth, death) < 15:
            # 29 February has no match in most years: the 28th then (nothing else moves)
            birth = birth.replace(year=death.year - 16 - rng.randrange(8),
                                  day=min(birth.day, 28) if birth.month == 2 else birth.day)
        prison = self.prison_of(city, rng)
        return Person("", gender, given, family, father, seyyed,
                      gender == "m" and _age(birth, death) > 38 and rng.random() < 0.25,
                      birth, death, city, prison, self.affiliation_of(city, rng), propensity)

    def _family_group(self, rng: random.Random) -> list[Person]:
        family = self.names.pick(rng, "family")
        father = self.names.pick(rng, "male")
        city = self.city(rng)
        seyyed = rng.random() < (0.6 if family.seyyed else 0.07)
        propensity = _propensity(rng)
        if rng.random() >= 0.035:
            return [self._person(rng, family, father, city, seyyed, propensity,
                                 _birth_date(rng), [])]
        # Brothers and sisters: same family name, father and city; different given
        # names and ages (twins sometimes); often the same affiliation and prison.
        size = rng.choices([2, 3, 4], [0.65, 0.27, 0.08])[0]
        twins = rng.random() < 0.12
        taken: list[Name] = []
        first = _birth_date(rng)
        group = []
        for i in range(size):
            if twins and i == 1:
                birth = first
            else:
                birth = first + datetime.timedelta(days=365 * i * rng.randint(1, 3) + i * 40)
            theta = min(0.97, max(0.02, propensity + rng.uniform(-0.15, 0.15)))
            p = self._person(rng, family, father, city, seyyed, theta, birth, taken)
            if group and rng.random() < 0.7:
                p.affiliation = group[0].affiliation
            if group and rng.random() < 0.7:
                p.prison = group[0].prison
            group.append(p)
        return group


# ---------------------------------------------------------------------------------------
# Rendering one record.

SEYYED = {"en": [("Seyyed", 4), ("Seyed", 3), ("Sayyed", 1), ("Sayed", 1), ("S.", 1)],
          "fr": [("Seyed", 3), ("Sayed", 2), ("Seyyed", 1)],
          "sch": [("Sayyid", 5), ("Sayyed", 1)], "fa": [("سید", 1)]}
SADAT = {"en": "Sadat", "fr": "Sadate", "sch": "Sādāt", "fa": "سادات"}
HAJ = {"en": [("Haj", 5), ("Hajj", 2), ("Haji", 2), ("Hadj", 1)], "fr": [("Hadj", 3), ("Haj", 1)],
       "sch": [("Ḥājj", 3), ("Hajj", 1)], "fa": [("حاج", 4), ("حاجی", 1)]}
CHILD_OF = {"en": ("son of", "daughter of"), "fr": ("son of", "daughter of"),
            "sch": ("son of", "daughter of"), "fa": ("فرزند", "فرزند")}


@dataclass
class Rendered:
    """The parts of a rendered record, kept so that a copying list can reuse them."""

    given: str
    family: str
    father: str
    style: str
    row: dict[str, str]


class Renderer:
    def __init__(self, world: World, lists: Sequence[ListStyle] = LISTS) -> None:
        self.w = world
        self.lists = lists
        self.choices = {k: Choice(v) for k, v in (("seyyed-" + s, SEYYED[s]) for s in SEYYED)}
        self.choices.update({"haj-" + s: Choice(HAJ[s]) for s in HAJ})

    # --- names -------------------------------------------------------------------------
    def spell(self, name: Name, style: str, rng: random.Random, typo: float) -> str:
        s = name.forms[style].pick(rng)
        if style == "fa":
            if ZWNJ in s:
                u = rng.random()
                s = s if u < 0.5 else s.replace(ZWNJ, " " if u < 0.85 else "")
            if rng.random() < typo:
                s = persian_typo(s, rng)
        elif rng.random() < typo:
            s = latin_typo(s, rng)
        return s

    def full_name(self, p: Person, given: str, family: str, father: str, style: str,
                  rng: random.Random, *, swap: float, initials: float, child_of: float,
                  prefix: float) -> tuple[str, bool]:
        """The name as the list writes it, and whether the father's name went into it."""
        words_given = given
        if initials and style != "fa" and rng.random() < initials:
            words_given = given[0] + "."
        if p.seyyed and p.gender == "f" and rng.random() < prefix * 0.6:
            words_given = f"{words_given} {SADAT[style]}"
        head = ""
        if p.seyyed and p.gender == "m" and rng.random() < prefix:
            head = self.choices["seyyed-" + style].pick(rng) + " "
        if p.haj and rng.random() < prefix * 0.8:
            head = self.choices["haj-" + style].pick(rng) + " " + head
        if rng.random() < swap:
            sep = ", " if style != "fa" and rng.random() < 0.5 else " "
            text = f"{family}{sep}{head}{words_given}"
        else:
            text = f"{head}{words_given} {family}"
        in_name = bool(father) and rng.random() < child_of
        if in_name:
            rel = CHILD_OF[style][p.gender == "f"]
            text = f"{text} ({rel} {father})" if rng.random() < 0.5 else f"{text} {rel} {father}"
        return text, in_name

    # --- other fields ------------------------------------------------------------------
    def city(self, p: Person, style: str, rng: random.Random) -> str:
        city = p.city
        if rng.random() < 0.02:              # a wrong city (birthplace for residence ...)
            city = self.w.city(rng)
        hist = city.historical
        if hist is not None:
            # Kermanshah was officially Bakhtaran in 1988; the other names are older.
            p_hist = 0.4 if city.key == "Kermanshah" else 0.06
            if rng.random() < p_hist:
                return hist[1] if style == "fa" else hist[0]
        return city.forms[style].pick(rng)

    def prison(self, p: Person, style: str, rng: random.Random) -> str:
        key = p.prison
        if rng.random() < 0.03:              # transferred: another prison of the city or Evin
            key = self.w.prison_of(p.city, rng) if rng.random() < 0.5 else "Evin"
        if key.startswith("city:"):
            city = self.w.city_by_key[key[5:]]
            c = city.forms[style].pick(rng)
            return {"en": f"{c} Prison", "fr": f"prison de {c}", "sch": f"{c} prison",
                    "fa": f"زندان {c}"}[style]
        return self.w.prisons[key][style].pick(rng)

    def affiliation(self, p: Person, style: str, rng: random.Random) -> str:
        s = self.w.affiliations[p.affiliation][style].pick(rng)
        if style == "fa" and rng.random() < 0.25:
            s = "هوادار " + s
        elif style == "en" and rng.random() < 0.1:
            s = s + " supporter"
        return s

    def death(self, p: Person, style: str, rng: random.Random, fa_digits: bool) -> str:
        day = p.death
        u = rng.random()
        if u < 0.07:                          # a few days off
            day += datetime.timedelta(days=rng.choice([-3, -2, -1, 1, 1, 2, 3, 5]))
        elif u < 0.09:                        # another month
            day += datetime.timedelta(days=rng.choice([-31, 30]))
        y, m, d = _sh(day)
        r = rng.random()
        if style == "fa":
            if r < 0.72:
                s = f"{y}/{m:02d}/{d:02d}"
            elif r < 0.82:
                s = f"{y}/{m}/{d}"
            elif r < 0.9:
                s = f"{y}/{m:02d}"
            elif r < 0.95:
                s = f"{d} {SH_MONTHS_FA[m - 1]} {y}"
            else:
                s = str(y)
            return s.translate(FA_DIGITS) if fa_digits else s
        if style == "en":
            if r < 0.5:
                return day.isoformat()
            if r < 0.8:
                return f"{day.day} {G_MONTHS[day.month - 1]} {day.year}"
            if r < 0.95:
                return f"{G_MONTHS[day.month - 1]} {day.year}"
            return str(day.year)
        if style == "fr":
            if r < 0.8:
                return f"{day.day:02d}/{day.month:02d}/{day.year}"
            if r < 0.95:
                return f"{day.year}-{day.month:02d}"
            return str(day.year)
        if style == "sch":
            if r < 0.5:
                return f"{d} {SH_MONTHS[m - 1]} {y}"
            if r < 0.75:
                return f"{SH_MONTHS[m - 1]} {y}"
            if r < 0.8:
                return f"{d} Amordad {y}" if m == 5 else f"{d} {SH_MONTHS[m - 1]} {y}"
            if r < 0.9:
                return f"{y}/{m:02d}/{d:02d}"
            return str(y)
        if style == "frconv":                 # 4 septembre 1988, 1er août 1988
            if r < 0.6:
                d1 = "1er" if day.day == 1 else str(day.day)
                return f"{d1} {FR_MONTHS[day.month - 1]} {day.year}"
            if r < 0.8:
                return f"{day.day:02d}/{day.month:02d}/{day.year}"
            if r < 0.95:
                return f"{FR_MONTHS[day.month - 1]} {day.year}"
            return str(day.year)
        if style == "sheet":                  # a date cell (ISO here), d/m/Y text, a year
            if r < 0.7:
                return day.isoformat()
            if r < 0.9:
                return f"{day.day}/{day.month}/{day.year}"
            return str(day.year)
        if style == "sheet-fa":               # Solar Hijri text, or a converted date cell
            if r < 0.7:
                s = f"{y}/{m:02d}/{d:02d}"
                return s.translate(FA_DIGITS) if fa_digits else s
            if r < 0.9:
                return day.isoformat()
            return str(y)
        # news: partial dates, both calendars
        if r < 0.35:
            return f"{G_MONTHS[day.month - 1]} {day.year}"
        if r < 0.55:
            return f"{y}-{m:02d}"
        if r < 0.7:
            return f"{SH_MONTHS[m - 1]} {y % 100}"
        if r < 0.9:
            return day.isoformat()
        return str(day.year)

    def birth_year(self, p: Person, calendar: str, rng: random.Random) -> str:
        g = p.birth.year
        sh = _sh_birth_year(p.birth)
        if rng.random() < 0.08:
            delta = rng.choice([-1, 1])
            g, sh = g + delta, sh + delta
        if rng.random() < 0.04:               # the other calendar than the list's own
            calendar = "g" if calendar == "sh" else "sh"
        return str(sh if calendar == "sh" else g)

    def age(self, p: Person, rng: random.Random) -> str:
        a = _age(p.birth, p.death)
        u = rng.random()
        if u < 0.2:
            a += rng.choice([-1, 1])
        elif u < 0.23:
            a += rng.choice([-4, -3, -2, 2, 3, 5])
        return str(a)

    # --- a whole record ----------------------------------------------------------------
    def record(self, p: Person, li: int, rng: random.Random,
               copied: Rendered | None) -> Rendered:
        ls = self.lists[li]
        kind = ls.style
        style = SPELLING.get(kind, kind)
        if style == "news":
            if copied is not None:
                style = copied.style
            else:
                style = rng.choices(("en", "fr", "fa", "sch"), (60, 22, 12, 6))[0]
        typo = {"fa": 0.03, "en": 0.03, "fr": 0.03, "sch": 0.01}[style]
        if kind == "news":
            typo *= 1.5
        father_name = p.father
        if rng.random() < 0.01:               # another father's name
            father_name = self.w.names.pick(rng, "male")
        if copied is not None and rng.random() < 0.85:
            given, family, father = copied.given, copied.family, copied.father
        else:
            given = self.spell(p.given, style, rng, typo)
            if kind == "news" and "-" in p.given.key and rng.random() < 0.05:
                given = given.replace("-", " ").split()[-1]   # "Ali" for "Mohammad-Ali"
            family = self.spell(p.family, style, rng, typo)
            father = self.spell(father_name, style, rng, typo / 2)
        arabic = style == "fa" and rng.random() < 0.2
        row: dict[str, str] = {"source": ls.source}
        if kind in SPELLING:
            self._as_it_comes(p, ls, given, family, father, rng, row)
        elif kind == "fa":      # Persian script, Solar Hijri, Persian digits in some rows
            name, in_name = self.full_name(p, given, family, father, style, rng, swap=0.03,
                                           initials=0, child_of=0.06, prefix=0.5)
            fa_digits = rng.random() < 0.4
            row["name"] = name
            row["father_name"] = "" if in_name or rng.random() < 0.15 else father
            r = rng.random()
            if r < 0.7:
                row["birth_year"] = self.birth_year(p, "sh", rng)
            if r > 0.6 or r < 0.05:
                row["age"] = self.age(p, rng)
            row["death_date"] = self.death(p, "fa", rng, fa_digits) if rng.random() < 0.9 else ""
            row["city"] = self.city(p, "fa", rng) if rng.random() < 0.85 else ""
            row["prison"] = self.prison(p, "fa", rng) if rng.random() < 0.75 else ""
            row["affiliation"] = self.affiliation(p, "fa", rng) if rng.random() < 0.9 else ""
            row["gender"] = (rng.choice(["مرد", "m"]) if p.gender == "m"
                             else rng.choice(["زن", "f"])) if rng.random() < 0.9 else ""
            if fa_digits:
                for k in ("birth_year", "age"):
                    if k in row:
                        row[k] = row[k].translate(FA_DIGITS if rng.random() < 0.9 else AR_DIGITS)
        elif kind == "en":    # English, Gregorian, ages, no birth years
            name, in_name = self.full_name(p, given, family, father, style, rng, swap=0.02,
                                           initials=0.01, child_of=0.1, prefix=0.4)
            row["name"] = name
            row["father_name"] = "" if in_name or rng.random() < 0.5 else father
            row["age"] = self.age(p, rng) if rng.random() < 0.75 else ""
            row["death_date"] = self.death(p, "en", rng, False) if rng.random() < 0.85 else ""
            row["city"] = self.city(p, "en", rng) if rng.random() < 0.8 else ""
            row["prison"] = self.prison(p, "en", rng) if rng.random() < 0.6 else ""
            row["affiliation"] = self.affiliation(p, "en", rng) if rng.random() < 0.85 else ""
            row["gender"] = ((rng.choice(["male", "m"]) if p.gender == "m"
                              else rng.choice(["female", "f"])) if rng.random() < 0.6 else "")
        elif kind == "fr":    # French: no father's names at all, Gregorian birth years
            name, _ = self.full_name(p, given, family, father, style, rng, swap=0.02,
                                     initials=0, child_of=0, prefix=0.3)
            row["name"] = name
            row["birth_year"] = self.birth_year(p, "g", rng) if rng.random() < 0.6 else ""
            row["death_date"] = self.death(p, "fr", rng, False) if rng.random() < 0.7 else ""
            row["city"] = self.city(p, "fr", rng) if rng.random() < 0.75 else ""
            row["prison"] = self.prison(p, "fr", rng) if rng.random() < 0.5 else ""
            row["affiliation"] = self.affiliation(p, "fr", rng) if rng.random() < 0.95 else ""
            row["gender"] = p.gender if rng.random() < 0.7 else ""
        elif kind == "sch":    # scholarly: diacritics, Solar Hijri in Latin letters
            name, in_name = self.full_name(p, given, family, father, style, rng, swap=0.02,
                                           initials=0, child_of=0.04, prefix=0.6)
            row["name"] = name
            row["father_name"] = "" if in_name or rng.random() < 0.4 else father
            row["birth_year"] = (self.birth_year(p, "sh" if rng.random() < 0.7 else "g", rng)
                                 if rng.random() < 0.5 else "")
            row["death_date"] = self.death(p, "sch", rng, False) if rng.random() < 0.7 else ""
            row["city"] = self.city(p, "sch", rng) if rng.random() < 0.8 else ""
            row["prison"] = self.prison(p, "sch", rng) if rng.random() < 0.7 else ""
            row["affiliation"] = self.affiliation(p, "sch", rng) if rng.random() < 0.9 else ""
            row["gender"] = p.gender if rng.random() < 0.8 else ""
            by = row["birth_year"]
            dd = row["death_date"]
            sh_only = (not by or by.startswith("13")) and (not dd or "13" in dd[:6] or
                                                           any(m in dd for m in SH_MONTHS))
            row["calendar"] = "jalali" if sh_only and (by or dd) and rng.random() < 0.5 else ""
        else:            # newspaper: order swaps, initials, "son of", partial dates
            name, _ = self.full_name(p, given, family, father, style, rng, swap=0.4,
                                     initials=0.08, child_of=0.2, prefix=0.5)
            row["name"] = name
            r = rng.random()
            if copied is not None and "age" in copied.row and rng.random() < 0.8:
                row["age"] = copied.row["age"]
            elif r < 0.4:
                row["age"] = self.age(p, rng)
            elif r < 0.7:
                row["birth_year"] = self.birth_year(p, "g" if rng.random() < 0.5 else "sh", rng)
            row["death_date"] = (self.death(p, "news", rng, False)
                                 if rng.random() < 0.65 else "")
            if copied is not None and rng.random() < 0.7:
                row["city"] = copied.row.get("city", "")
            else:
                row["city"] = self.city(p, style, rng) if rng.random() < 0.7 else ""
            row["prison"] = self.prison(p, style, rng) if rng.random() < 0.4 else ""
            row["affiliation"] = self.affiliation(p, style, rng) if rng.random() < 0.7 else ""
        if arabic:
            for k in ("name", "father_name", "city", "prison", "affiliation", "given_name",
                      "surname"):
                if row.get(k):
                    row[k] = row[k].translate(ARABIC_LETTERS)
        return Rendered(given, family, father, style, row)

    def _as_it_comes(self, p: Person, ls: ListStyle, given: str, family: str, father: str,
                     rng: random.Random, row: dict[str, str]) -> None:
        """A French-convention list or a spreadsheet: given name and surname apart,
        sex as H/F, M/F or مرد/زن, ages as numbers."""
        kind = ls.style
        style = SPELLING[kind]
        if p.seyyed and p.gender == "m" and rng.random() < 0.3:
            given = self.choices["seyyed-" + style].pick(rng) + " " + given
        if kind == "frconv" and rng.random() < 0.6:
            family = family.upper()           # French lists write the NOM in capitals
        row["given_name"], row["surname"] = given, family
        row["name"] = f"{given} {family}"    # as khavaran link joins the two columns
        row["father_name"] = father if rng.random() < (0.6 if kind == "frconv" else 0.7) else ""
        r = rng.random()
        if kind == "frconv" and r < 0.45:
            row["birth_year"] = self.birth_year(p, "g", rng)
        elif r < 0.85:
            row["age"] = self.age(p, rng)
        fa_digits = kind == "sheet-fa" and rng.random() < 0.4
        row["death_date"] = self.death(p, kind, rng, fa_digits) if rng.random() < 0.8 else ""
        row["city"] = self.city(p, style, rng) if rng.random() < 0.8 else ""
        row["prison"] = self.prison(p, style, rng) if rng.random() < 0.5 else ""
        if "affiliation" in ls.columns:
            row["affiliation"] = self.affiliation(p, style, rng) if rng.random() < 0.7 else ""
        sex = {"frconv": ("H", "F"), "sheet": ("M", "F"), "sheet-fa": ("مرد", "زن")}[kind]
        row["gender"] = sex[p.gender == "f"] if rng.random() < 0.85 else ""


# ---------------------------------------------------------------------------------------


@dataclass
class Dataset:
    lists: list[tuple[ListStyle, list[dict[str, str]]]]
    truth: list[tuple[str, str, str]]          # source, record_id, person
    persons: list[Person]
    population: int                            # people drawn, including those on no list

    @property
    def records(self) -> int:
        return sum(len(rows) for _, rows in self.lists)


def generate(persons: int = 30000, lists: int = 5, seed: int = 1,
             mix: str = "default") -> Dataset:
    """``persons`` people on at least one of the first ``lists`` (1-5) of the ``mix``
    (a key of MIXES), rendered.

    Deterministic for given arguments (no set or hash order is involved).
    """
    styles = MIXES[mix]
    if not 1 <= lists <= len(styles):
        raise ValueError(f"lists must be 1 to {len(styles)}")
    rng = random.Random(seed)
    world = World()
    people, drawn = world.people(persons, rng, lists)
    renderer = Renderer(world, styles)
    per_list: list[list[tuple[Person, dict[str, str]]]] = [[] for _ in styles[:lists]]
    for p in people:
        done: dict[int, Rendered] = {}
        for li in p.lists:
            copied = done.get(1) if li == 4 else None
            done[li] = renderer.record(p, li, rng, copied)
            per_list[li].append((p, done[li].row))
    out, truth = [], []
    for ls, entries in zip(styles[:lists], per_list, strict=True):
        rng.shuffle(entries)
        rows = []
        for n, (p, row) in enumerate(entries, 1):
            row["record_id"] = ls.id_format.format(n)
            rows.append(row)
            truth.append((ls.source, row["record_id"], p.pid))
        out.append((ls, rows))
    return Dataset(out, truth, people, drawn)


def write_dataset(data: Dataset, folder: Path) -> list[Path]:
    """The list files and truth.csv in ``folder``; the list files' paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for ls, rows in data.lists:
        path = folder / ls.file
        if path.suffix == ".xlsx":
            _write_sheet(path, ls, rows)
        else:
            # A French list is an export of French Excel: semicolons, a BOM.
            french = ls.style == "frconv"
            with path.open("w", encoding="utf-8-sig" if french else "utf-8", newline="") as fh:
                writer_l = csv.writer(fh, delimiter=";" if french else ",", lineterminator="\n")
                writer_l.writerow([ls.header(c) for c in ls.columns])
                writer_l.writerows([row.get(c, "") for c in ls.columns] for row in rows)
        paths.append(path)
    with (folder / "truth.csv").open("w", encoding="utf-8", newline="") as fh:
        writer_t = csv.writer(fh, lineterminator="\n")
        writer_t.writerow(("source", "record_id", "person"))
        writer_t.writerows(data.truth)
    meta = {"persons": len(data.persons), "population": data.population,
            "records": data.records,
            "per_list": {ls.source: len(rows) for ls, rows in data.lists}}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return paths


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _write_sheet(path: Path, ls: ListStyle, rows: list[dict[str, str]]) -> None:
    """A list as a spreadsheet makes it: numbers as numbers, full dates as date cells."""
    from openpyxl import Workbook  # the test extra's; only spreadsheet mixes need it
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Liste" if ls.style == "frconv" else "Sheet1"
    sheet.append([ls.header(c) for c in ls.columns])
    for row in rows:
        cells: list[object] = []
        for c in ls.columns:
            v = row.get(c, "")
            if c == "death_date" and _ISO_DAY.fullmatch(v):
                cells.append(datetime.date.fromisoformat(v))
            elif c in ("record_id", "age", "birth_year", "death_date") and v.isascii() \
                    and v.isdigit():
                cells.append(int(v))
            else:
                cells.append(v or None)
        sheet.append(cells)
    for cell in sheet[get_column_letter(ls.columns.index("death_date") + 1)][1:]:
        if isinstance(cell.value, datetime.date):
            cell.number_format = "DD/MM/YYYY"
    book.save(path)


def summary(data: Dataset) -> Iterator[str]:
    t = build_tables()
    yield (f"{len(data.persons):,} persons on at least one list (of {data.population:,} drawn), "
           f"{data.records:,} records; names drawn from {len(t.male)} male, "
           f"{len(t.female)} female given and {len(t.family)} family names")
    for ls, rows in data.lists:
        yield f"  {ls.file:18} {len(rows):7,} records"
    hist: dict[int, int] = {}
    for p in data.persons:
        hist[len(p.lists)] = hist.get(len(p.lists), 0) + 1
    yield "  persons by number of lists: " + ", ".join(
        f"{k}: {hist[k]:,}" for k in sorted(hist))
    names: dict[tuple[str, str], int] = {}
    for p in data.persons:
        names[p.given.key, p.family.key] = names.get((p.given.key, p.family.key), 0) + 1
    top = sorted(names.items(), key=lambda kv: -kv[1])[:3]
    yield "  most shared full names: " + ", ".join(f"{g} {f} ({n})" for (g, f), n in top)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--persons", type=int, default=30000)
    ap.add_argument("--lists", type=int, default=5, help="use the first N of the five lists")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mix", choices=sorted(MIXES), default="default",
                    help="the list styles (default: the mix the weights were set on)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    start = time.perf_counter()
    data = generate(args.persons, args.lists, args.seed, args.mix)
    write_dataset(data, args.out)
    for line in summary(data):
        print(line)
    print(f"  written to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
